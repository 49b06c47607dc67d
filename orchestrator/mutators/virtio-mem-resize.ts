import { SlotlabError } from '../errors.js';
import { sleep } from '../machine/machine.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import { z } from 'zod';
import type { MutatorPlugin } from './mutator.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';

/**
 * A virtio-mem device's requested-size set from QMP (qom-set) to each size in
 * turn; the guest's driver plugs or unplugs blocks to match. One mutation each.
 */
export const virtioMemResizeSchema = z
  .object({
    kind: z.literal('virtio-mem-resize'),
    /** The id of a device in machine.virtioMem. */
    device: z.string(),
    sizesMiB: z.array(z.number().int().min(0)).min(2),
    /** Wait until the device's plugged size reaches the request before the next one. */
    waitPlugged: z.boolean().default(true),
    /** How long the guest may take to plug or unplug, per mutation. */
    plugTimeoutSeconds: z.number().positive().default(20),
    batch: z.number().int().min(1).default(1),
  })
  .strict();

export type VirtioMemResizeMutator = z.infer<typeof virtioMemResizeSchema>;

const MiB = 1024 * 1024;
const POLL_MS = 50;

export class VirtioMemResizeError extends SlotlabError {
  constructor(device: string, detail: string) {
    super('VIRTIO_MEM_RESIZE', `virtio-mem device ${device}: ${detail}; the guest needs a virtio-mem driver (the linux guest loads virtio_mem) and room to unplug`);
  }
}

export const virtioMemPath = (device: string) => `/machine/peripheral/${device}`;

/**
 * Mutation i sets the device's requested-size to sizesMiB[i mod n] (qom-set);
 * with waitPlugged it then polls the plugged size until the guest's driver has
 * plugged or unplugged to match.
 */
export function virtioMemResizeStep(qmp: QmpClient, mutator: VirtioMemResizeMutator, timeouts: Timeouts = HOST_CONTEXT.timeouts): (index: number) => Promise<void> {
  return async (index) => {
    const bytes = mutator.sizesMiB[index % mutator.sizesMiB.length]! * MiB;
    await qmp.execute('qom-set', { path: virtioMemPath(mutator.device), property: 'requested-size', value: bytes });
    if (!mutator.waitPlugged) return;
    const timeoutMs = timeouts.scaled(mutator.plugTimeoutSeconds * 1000);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const size = await qmp.execute<number>('qom-get', { path: virtioMemPath(mutator.device), property: 'size' });
      if (size === bytes) return;
      if (performance.now() > deadline) {
        throw new VirtioMemResizeError(mutator.device, `waited ${Math.round(timeoutMs / 1000)} s for the guest to plug ${bytes / MiB} MiB; ${size / MiB} MiB are plugged`);
      }
      await sleep(POLL_MS);
    }
  };
}

export function runVirtioMemResize(
  qmp: QmpClient,
  mutator: VirtioMemResizeMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally = newTally(),
  timeouts: Timeouts = HOST_CONTEXT.timeouts,
): Promise<MutatorTally> {
  return driveMutations(limits, hooks, tally, mutator.batch, virtioMemResizeStep(qmp, mutator, timeouts));
}

export const virtioMemResizeMutator: MutatorPlugin<typeof virtioMemResizeSchema> = {
  kind: 'virtio-mem-resize',
  schema: virtioMemResizeSchema,
  run: async (mutator, { qmp, limits, hooks, tally, timeouts }) => {
    await runVirtioMemResize(qmp, mutator, limits, hooks, tally, timeouts);
    return {};
  },
};
