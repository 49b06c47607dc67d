import type { QmpClient } from '../qmp/qmp-client.js';
import type { MixedMutator, QmpMutator } from '../suites/suite-schema.js';
import { dimmChurnStep } from './dimm-churn.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { pamToggleStep } from './pam-toggle.js';
import { virtioMemResizeStep } from './virtio-mem-resize.js';

/** Mutation i of any QMP-driven mutator. */
export function qmpMutatorStep(qmp: QmpClient, mutator: QmpMutator, firstValueIndex = 0, lost: () => boolean = () => false): (index: number) => Promise<void> {
  switch (mutator.kind) {
    case 'dimm-churn':
      return dimmChurnStep(qmp, mutator, lost);
    case 'virtio-mem-resize':
      return virtioMemResizeStep(qmp, mutator);
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
): Promise<MutatorTally> {
  const steps = mutator.mutators.map((each) => qmpMutatorStep(qmp, each, firstValueIndex, hooks.lost));
  return driveMutations(limits, hooks, tally, mutator.batch, (index) => steps[index % steps.length]!(Math.floor(index / steps.length)));
}
