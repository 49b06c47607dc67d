import type { Mailbox } from '../images/spin-contract.js';
import type { PamGuestMutator } from '../suites/suite-schema.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';
import { watchUntilDone } from './watch-loop.js';

/** What the guest measured of its own PAM writes, converted with a TSC rate calibrated against the host clock. */
export interface GuestCost {
  meanUs: number;
  maxUs: number;
  tscPerUs: number;
}

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
