import type { QmpEvent } from '../qmp/qmp-types.js';
import type { ExitInfo, RunStatus } from './machine-types.js';

/**
 * How a running guest was lost: the run state QEMU reports, `qemu-exited`, or
 * `guest-hung` (QEMU runs, the guest says it stopped) and when slotlab noticed.
 */
export interface GuestLoss {
  reason: RunStatus | 'qemu-exited' | 'guest-hung';
  atMs: number;
}

export interface WatchedMachine {
  readonly qmp: { onEvent(listener: (event: QmpEvent) => void): () => void; events(): readonly QmpEvent[] };
  queryStatus(): Promise<{ status: RunStatus; running: boolean }>;
  waitExit(): Promise<ExitInfo>;
}

const EVENT_STATES: Record<string, RunStatus> = {
  SHUTDOWN: 'shutdown',
  GUEST_PANICKED: 'guest-panicked',
  GUEST_CRASHLOADED: 'guest-panicked',
};

/**
 * Notices the moment a running guest stops for good: a STOP event (then
 * `query-status` says why: internal-error, guest-panicked, ...), SHUTDOWN,
 * GUEST_PANICKED, or the QEMU process going away.
 */
export class RunStateWatch {
  private current: GuestLoss | undefined;
  private refining: Promise<unknown> = Promise.resolve();
  private active = true;
  private readonly unsubscribe: () => void;

  constructor(private readonly machine: WatchedMachine) {
    const onEvent = (event: QmpEvent) => {
      if (!this.active) return;
      if (event.event === 'STOP') {
        this.mark('paused', event);
        this.refining = this.check();
      } else if (EVENT_STATES[event.event]) {
        this.mark(EVENT_STATES[event.event]!, event);
      }
    };
    // A guest can be lost before anyone watches (e.g. while slotlab polls for the boot banner);
    // a STOP that a RESUME followed was slotlab's own pause (saving the guest's state), not a loss.
    const past = machine.qmp.events();
    past.forEach((event, index) => {
      if (event.event === 'STOP' && past.slice(index + 1).some((later) => later.event === 'RESUME')) return;
      onEvent(event);
    });
    this.unsubscribe = machine.qmp.onEvent(onEvent);
    void machine.waitExit().then(() => {
      if (!this.active) return;
      if (this.current) this.current.reason = 'qemu-exited';
      else this.mark('qemu-exited');
    });
  }

  /** Set as soon as the loss is noticed; `settled()` waits until its reason is known. */
  get loss(): GuestLoss | undefined {
    return this.current;
  }

  /** Asks QEMU now; a guest that is not running is lost. */
  async check(): Promise<GuestLoss | undefined> {
    const status = await this.machine.queryStatus().catch(() => undefined);
    if (status && !status.running) {
      this.mark(status.status);
      if (this.current && this.current.reason === 'paused') this.current.reason = status.status;
    }
    return this.current;
  }

  /** The guest itself reports that it stopped (QEMU still runs it): a loss unless one was already seen. */
  markHung(): void {
    this.mark('guest-hung');
  }

  async settled(): Promise<GuestLoss | undefined> {
    await this.refining;
    return this.current;
  }

  stop(): void {
    this.active = false;
    this.unsubscribe();
  }

  /** Dated by QEMU's event timestamp when there is one, so a late look does not shift the time of the loss. */
  private mark(reason: GuestLoss['reason'], event?: QmpEvent): void {
    if (this.current) return;
    let atMs = performance.now();
    if (event && event.timestamp.seconds > 0) {
      const eventWallMs = event.timestamp.seconds * 1000 + event.timestamp.microseconds / 1000;
      atMs -= Math.max(0, Date.now() - eventWallMs);
    }
    this.current = { reason, atMs };
  }
}
