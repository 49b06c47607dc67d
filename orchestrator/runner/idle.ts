import type { NoMutator } from '../suites/suite-schema.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';
import { watchUntilDone } from './watch-loop.js';

/** The control: no mutation, only the same checkpoints, for the whole duration (or until the guest is lost). */
export async function runIdle(mutator: NoMutator, limits: MutationLimits, hooks: MutatorHooks, tally: MutatorTally): Promise<MutatorTally> {
  await watchUntilDone(limits, hooks, tally, mutator.checkEverySeconds * 1000);
  return tally;
}
