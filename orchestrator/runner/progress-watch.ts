import { DEFAULT_TIMEOUTS } from '../run-context.js';

/**
 * The shortest span without an advance that proves a vCPU stalled. With more
 * vCPU threads than host cores (3 vCPUs, QEMU's main loop and slotlab on 2
 * cores) the host's scheduler leaves a runnable vCPU thread waiting for its turn
 * for milliseconds, tens of them under load; a vCPU that does not move for a
 * whole second is stuck, not queued. The run context scales it inside a kernel under test.
 */
export const STALL_WINDOW_MS = DEFAULT_TIMEOUTS.stallWindowMs;

export type ProgressVerdict = 'advancing' | 'stalled' | 'unknown';

export interface ProgressWatchOptions {
  /** Span without an advance that counts as a stall (default STALL_WINDOW_MS; a run passes its context's stallWindowMs). */
  windowMs?: number;
  /** Clock in ms (default performance.now). */
  now?: () => number;
}

/**
 * Judges whether every vCPU keeps making progress, by time, not by count of
 * checkpoints: a vCPU is stalled only when two readings at least `windowMs`
 * apart show it did not advance. A vCPU seen still over a shorter span is
 * `unknown`, never `stalled`: that span says more about the host's scheduler
 * than about the guest.
 */
export class ProgressWatch {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly firstAt: number;
  /** When each vCPU was last seen to have advanced (a lower bound on its still span starts there). */
  private readonly advancedAt: number[];
  private last: bigint[];
  private lastAt: number;
  private longestStillMs = 0;

  constructor(
    private readonly first: bigint[],
    options: ProgressWatchOptions = {},
  ) {
    this.windowMs = options.windowMs ?? STALL_WINDOW_MS;
    this.now = options.now ?? (() => performance.now());
    this.firstAt = this.lastAt = this.now();
    this.advancedAt = first.map(() => this.firstAt);
    this.last = first;
  }

  observe(values: bigint[]): void {
    const at = this.now();
    values.forEach((value, index) => {
      if (value > (this.last[index] ?? 0n)) this.advancedAt[index] = at;
      else this.longestStillMs = Math.max(this.longestStillMs, at - (this.advancedAt[index] ?? this.firstAt));
    });
    this.last = values;
    this.lastAt = at;
  }

  /** Longest span (ms) over which some vCPU was seen not to advance. */
  get longestStill(): number {
    return Math.round(this.longestStillMs);
  }

  /** The vCPUs seen still for `minMs` or longer as of the last reading, with when each last advanced. */
  stillVcpus(minMs: number): { vcpu: number; lastAdvanceAt: number }[] {
    return this.advancedAt.flatMap((at, vcpu) => (this.lastAt > at && this.lastAt - at >= minMs ? [{ vcpu, lastAdvanceAt: at }] : []));
  }

  /** From the first reading to the last one: the span progress is judged over. */
  get spanMs(): number {
    return Math.round(this.lastAt - this.firstAt);
  }

  get verdict(): ProgressVerdict {
    if (this.longestStillMs >= this.windowMs) return 'stalled';
    const complete = this.last.length === this.first.length;
    if (complete && this.last.every((value, index) => value > this.first[index]!)) return 'advancing';
    return 'unknown';
  }

  get rising(): boolean {
    return this.verdict === 'advancing';
  }
}
