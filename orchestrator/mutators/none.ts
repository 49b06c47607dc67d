import { z } from 'zod';
import type { MutatorPlugin } from './mutator.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';
import { watchUntilDone } from './watch-loop.js';

/** No mutation at all: the guest runs for the duration while run state and progress are checked. */
export const noMutatorSchema = z
  .object({
    kind: z.literal('none'),
    checkEverySeconds: z.number().positive().default(0.1),
  })
  .strict();

export type NoMutator = z.infer<typeof noMutatorSchema>;

/** The control: no mutation, only the same checkpoints, for the whole duration (or until the guest is lost). */
export async function runIdle(mutator: NoMutator, limits: MutationLimits, hooks: MutatorHooks, tally: MutatorTally): Promise<MutatorTally> {
  await watchUntilDone(limits, hooks, tally, mutator.checkEverySeconds * 1000);
  return tally;
}

export const noMutator: MutatorPlugin<typeof noMutatorSchema> = {
  kind: 'none',
  schema: noMutatorSchema,
  run: async (mutator, { limits, hooks, tally }) => {
    await runIdle(mutator, limits, hooks, tally);
    return {};
  },
};
