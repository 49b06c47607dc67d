import { z } from 'zod';
import type { QmpClient } from '../qmp/qmp-client.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';
import { configToggleSchema } from './config-toggle.js';
import { dimmChurnSchema, dimmChurnStep } from './dimm-churn.js';
import type { MutatorPlugin } from './mutator.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { pamToggleSchema, pamToggleStep } from './pam-toggle.js';
import { virtioMemResizeSchema, virtioMemResizeStep } from './virtio-mem-resize.js';

/** Several QMP-driven mutators interleaved: mutation i is mutator i mod n's next one. */
export const mixedSchema = z
  .object({
    kind: z.literal('mixed'),
    mutators: z.array(z.discriminatedUnion('kind', [pamToggleSchema, configToggleSchema, dimmChurnSchema, virtioMemResizeSchema])).min(2),
    batch: z.number().int().min(1).default(10),
  })
  .strict();

export type MixedMutator = z.infer<typeof mixedSchema>;
export type QmpMutator = MixedMutator['mutators'][number];

/** Mutation i of any QMP-driven mutator. */
export function qmpMutatorStep(qmp: QmpClient, mutator: QmpMutator, firstValueIndex = 0, lost: () => boolean = () => false, timeouts: Timeouts = HOST_CONTEXT.timeouts): (index: number) => Promise<void> {
  switch (mutator.kind) {
    case 'dimm-churn':
      return dimmChurnStep(qmp, mutator, lost, timeouts);
    case 'virtio-mem-resize':
      return virtioMemResizeStep(qmp, mutator, timeouts);
    default:
      return pamToggleStep(qmp, mutator, firstValueIndex);
  }
}

/** Interleaves the mutators: mutation i is mutator (i mod n)'s mutation (i div n). */
export function runMixed(
  qmp: QmpClient,
  mutator: MixedMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  firstValueIndex = 0,
  tally: MutatorTally = newTally(),
  timeouts: Timeouts = HOST_CONTEXT.timeouts,
): Promise<MutatorTally> {
  const steps = mutator.mutators.map((each) => qmpMutatorStep(qmp, each, firstValueIndex, hooks.lost, timeouts));
  return driveMutations(limits, hooks, tally, mutator.batch, (index) => steps[index % steps.length]!(Math.floor(index / steps.length)));
}

export const mixedMutator: MutatorPlugin<typeof mixedSchema> = {
  kind: 'mixed',
  schema: mixedSchema,
  run: async (mutator, { qmp, limits, hooks, tally, seed, timeouts }) => {
    await runMixed(qmp, mutator, limits, hooks, seed, tally, timeouts);
    return {};
  },
};
