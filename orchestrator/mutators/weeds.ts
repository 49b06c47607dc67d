import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import type { MutatorPlugin } from './mutator.js';
import { watchUntilDone } from './watch-loop.js';

/**
 * No memory-map change at all: one QMP `inject-nmi` sends vCPU `vcpu` of the
 * spin guest (weeds mode) to `address`, a guest-physical address with neither
 * a memory slot nor a device, while the other vCPUs spin; then only watching.
 * The one "mutation" is the NMI, so the time to failure is the time to detection.
 */
export const weedsSchema = z
  .object({
    kind: z.literal('weeds'),
    vcpu: z.number().int().min(0).default(1),
    /** In the PCI hole of a small pc machine: no RAM, no ROM, no BAR there. */
    address: z.number().int().min(0).max(0xffff_ffff).default(0xc000_0000),
    checkEverySeconds: z.number().positive().default(0.1),
  })
  .strict();

export type WeedsMutator = z.infer<typeof weedsSchema>;

export const weedsMutator: MutatorPlugin<typeof weedsSchema> = {
  kind: 'weeds',
  schema: weedsSchema,
  needsMailbox: true,
  run: async (mutator, { qmp, limits, hooks, tally, readMailbox, userImage }) => {
    // A user's image goes into the weeds on its own: only watched, judged by the same rules.
    if (userImage) {
      await watchUntilDone(limits, hooks, tally, mutator.checkEverySeconds * 1000);
      return {};
    }
    if (!readMailbox) throw new SlotlabError('NO_MAILBOX', "the weeds mutator configures the spin guest's NMI handler, and this guest has none; use it with guest.image spin");
    let sent = false;
    await watchUntilDone(limits, hooks, tally, mutator.checkEverySeconds * 1000, async () => {
      if (sent) return false;
      sent = true;
      tally.attempted = 1;
      const at = performance.now();
      await qmp.execute('inject-nmi');
      tally.latenciesUs.push(Math.round((performance.now() - at) * 1000));
      tally.applied = 1;
      return false;
    });
    return {};
  },
};
