import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import type { MutatorPlugin } from './mutator.js';
import { watchUntilDone } from './watch-loop.js';

/**
 * The firmware's own boot is the change: SeaBIOS opens and closes PAM shadow RAM, SMRAM and PCI BARs as
 * it starts, and QEMU reshapes the memory map for each. One boot counts as one mutation, applied when the
 * guest says its boot ended; the guest driver reports a boot that never ends as a hung guest.
 */
export const bootMutatorSchema = z
  .object({
    kind: z.literal('boot'),
    checkEverySeconds: z.number().positive().default(0.05),
  })
  .strict();

export type BootMutator = z.infer<typeof bootMutatorSchema>;

export const bootMutator: MutatorPlugin<typeof bootMutatorSchema> = {
  kind: 'boot',
  schema: bootMutatorSchema,
  startsAtBoot: true,
  run: async (mutator, { limits, hooks, tally, workloadEnded }) => {
    if (!workloadEnded) throw new SlotlabError('NO_BOOT_END', 'the boot mutator waits for the guest to say its boot ended, and this guest cannot; use it with guest.image firmware');
    tally.attempted = 1;
    // The guest's boot timeout (a hung guest) ends a boot that never ends, not the duration.
    await watchUntilDone({ ...limits, durationMs: Number.POSITIVE_INFINITY }, hooks, tally, mutator.checkEverySeconds * 1000, async () => workloadEnded());
    if (tally.stoppedBy === 'mutations') tally.applied = 1;
    return {};
  },
};
