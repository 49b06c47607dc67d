import { sleep } from '../machine/machine.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';

/**
 * For mutators the orchestrator does not drive (none, in-guest): every
 * `intervalMs`, ask `reachedLimit` (when given) and run the checkpoint, until the
 * guest is lost, the limit is reached or the duration is over. Sets the tally's
 * start, end and why it stopped.
 */
export async function watchUntilDone(
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally,
  intervalMs: number,
  reachedLimit: () => Promise<boolean> = async () => false,
): Promise<void> {
  tally.startedAtMs = performance.now();
  try {
    tally.stoppedBy = await loop(limits, hooks, tally, intervalMs, reachedLimit);
  } finally {
    tally.endedAtMs = performance.now();
  }
}

async function loop(
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally,
  intervalMs: number,
  reachedLimit: () => Promise<boolean>,
): Promise<NonNullable<MutatorTally['stoppedBy']>> {
  for (;;) {
    if (hooks.lost()) return 'lost';
    if (await reachedLimit()) return hooks.lost() ? 'lost' : 'mutations';
    const left = limits.durationMs - (performance.now() - tally.startedAtMs);
    if (left <= 0) return 'duration';
    await sleep(Math.min(left, intervalMs));
    if (!(await hooks.checkpoint())) return hooks.lost() ? 'lost' : 'checkpoint';
  }
}
