import { sleep } from '../machine/machine.js';
import type { NoMutator } from '../suites/suite-schema.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './pam-toggle.js';

/** The control: no mutation, only the same checkpoints, for the whole duration (or until the guest is lost). */
export async function runIdle(mutator: NoMutator, limits: MutationLimits, hooks: MutatorHooks, tally: MutatorTally): Promise<MutatorTally> {
  tally.startedAtMs = performance.now();
  try {
    for (;;) {
      if (hooks.lost()) {
        tally.stoppedBy = 'lost';
        break;
      }
      const left = limits.durationMs - (performance.now() - tally.startedAtMs);
      if (left <= 0) {
        tally.stoppedBy = 'duration';
        break;
      }
      await sleep(Math.min(left, mutator.checkEverySeconds * 1000));
      if (!(await hooks.checkpoint())) {
        tally.stoppedBy = 'checkpoint';
        break;
      }
    }
    return tally;
  } finally {
    tally.endedAtMs = performance.now();
  }
}
