import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import type { Mailbox } from '../images/spin-contract.js';
import type { GuestCost, MutatorPlugin } from './mutator.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';
import { watchUntilDone } from './watch-loop.js';

export type { GuestCost } from './mutator.js';

/** vCPU 0 of the guest flips the PAM register itself, as firmware does while remapping shadow RAM. */
export const pamGuestSchema = z
  .object({
    kind: z.literal('pam-guest'),
    register: z.number().int().min(0x59).max(0x5f).default(0x59),
    values: z.tuple([z.number().int().min(0).max(0xff), z.number().int().min(0).max(0xff)]).default([0x10, 0x30]),
    checkEverySeconds: z.number().positive().default(0.1),
  })
  .strict();

export type PamGuestMutator = z.infer<typeof pamGuestSchema>;

/**
 * The in-guest mutator: the guest's vCPU 0 flips PAM on its own (configured at
 * boot); the orchestrator only watches: every `checkEverySeconds` it reads the
 * mailbox for the toggle count and checks run state and progress, until the
 * toggle limit, the duration or a loss.
 */
export async function runPamGuest(
  mutator: PamGuestMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally,
  readMailbox: () => Promise<Mailbox>,
): Promise<GuestCost | undefined> {
  const first = { at: performance.now(), mailbox: await readMailbox() };
  let last = first;
  const observe = async () => {
    last = { at: performance.now(), mailbox: await readMailbox() };
    tally.applied = tally.attempted = last.mailbox.toggles;
  };
  await watchUntilDone(limits, hooks, tally, mutator.checkEverySeconds * 1000, async () => {
    await observe();
    return tally.applied >= limits.mutations;
  });
  // A lost guest is paused, not gone: its mailbox still says how far it got.
  if (tally.stoppedBy === 'lost' || tally.stoppedBy === 'checkpoint') await observe().catch(() => undefined);
  return guestCost(first, last);
}

function guestCost(first: { at: number; mailbox: Mailbox }, last: { at: number; mailbox: Mailbox }): GuestCost | undefined {
  const toggles = last.mailbox.toggles;
  const tscTicks = Number(last.mailbox.lastTsc - first.mailbox.lastTsc);
  const elapsedUs = (last.at - first.at) * 1000;
  if (toggles === 0 || tscTicks <= 0 || elapsedUs <= 0 || last.mailbox.toggles === first.mailbox.toggles) return undefined;
  const tscPerUs = tscTicks / elapsedUs;
  return {
    meanUs: Math.round(Number(last.mailbox.toggleCycles) / toggles / tscPerUs),
    maxUs: Math.round(Number(last.mailbox.maxToggleCycles) / tscPerUs),
    tscPerUs: Math.round(tscPerUs),
  };
}

export const pamGuestMutator: MutatorPlugin<typeof pamGuestSchema> = {
  kind: 'pam-guest',
  schema: pamGuestSchema,
  needsMailbox: true,
  startsAtBoot: true,
  run: async (mutator, { limits, hooks, tally, readMailbox }) => {
    if (!readMailbox) throw new SlotlabError('NO_MAILBOX', "the pam-guest mutator reads the spin guest's mailbox, and this guest has none; use it with guest.image spin");
    return { guestCost: await runPamGuest(mutator, limits, hooks, tally, readMailbox) };
  },
};
