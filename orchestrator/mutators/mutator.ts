import type { z } from 'zod';
import type { Mailbox } from '../images/spin-contract.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import type { Timeouts } from '../run-context.js';
import type { MutationLimits, MutatorHooks, MutatorTally } from './mutation-loop.js';

/** What the guest measured of its own mutations, converted with a TSC rate calibrated against the host clock. */
export interface GuestCost {
  meanUs: number;
  maxUs: number;
  tscPerUs: number;
}

/** Everything a mutator may use, handed to it by the iteration: it reaches for nothing else. */
export interface MutatorContext {
  /** The QMP session of the machine under test. */
  qmp: QmpClient;
  limits: MutationLimits;
  hooks: MutatorHooks;
  /** Kept up to date while it runs, so the counts survive a QEMU that dies under it. */
  tally: MutatorTally;
  /** The iteration's seed (e.g. which value a toggle starts from). */
  seed: number;
  /** The run's waits, already scaled for where it runs. */
  timeouts: Timeouts;
  /** The spin guest's mailbox; absent for guests without one (Linux). */
  readMailbox?: () => Promise<Mailbox>;
  /** A guest whose workload ends by itself (a firmware boot): whether it has. */
  workloadEnded?: () => boolean;
  /** The guest is the user's image: the spin guest's in-guest configuration (weeds mode, the pam-guest mutator) is not in it. */
  userImage?: boolean;
}

export interface MutatorOutcome {
  /** For in-guest mutators: what the guest measured of its own mutations. */
  guestCost?: GuestCost;
}

/**
 * One kind of memory-map change. A kind is one file in this folder exporting a
 * plugin, plus one line in registry.ts; the suite schema reads `schema` from there.
 */
export interface MutatorPlugin<Schema extends z.ZodType<{ kind: string }> = z.ZodType<{ kind: string }>> {
  readonly kind: z.output<Schema>['kind'];
  /** The suite file's `mutator:` section for this kind (strict: unknown fields are refused). */
  readonly schema: Schema;
  /** Whether it reads the spin guest's mailbox (suites of guests without one cannot use it). */
  readonly needsMailbox?: boolean;
  /** It starts mutating as the guest boots (configured at boot), so no state can be saved before its mutations: the guest always boots. */
  readonly startsAtBoot?: boolean;
  /** Mutates until a limit, a loss or a failed checkpoint; sets the tally's start, end and why it stopped. */
  run(mutator: z.output<Schema>, context: MutatorContext): Promise<MutatorOutcome>;
}
