import { z } from 'zod';
import { bootMutator } from './boot.js';
import { configToggleMutator } from './config-toggle.js';
import { dimmChurnMutator } from './dimm-churn.js';
import { dirtyLogMutator } from './dirty-log.js';
import { mixedMutator } from './mixed.js';
import type { MutatorPlugin } from './mutator.js';
import { noMutator } from './none.js';
import { pamGuestMutator } from './pam-guest.js';
import { pamToggleMutator } from './pam-toggle.js';
import { virtioMemResizeMutator } from './virtio-mem-resize.js';
import { weedsMutator } from './weeds.js';

/** Every kind of memory-map change a suite can name; a new kind is one file in this folder and one entry here. */
export const MUTATORS = [pamToggleMutator, configToggleMutator, pamGuestMutator, dirtyLogMutator, dimmChurnMutator, virtioMemResizeMutator, mixedMutator, noMutator, weedsMutator, bootMutator] as const;

type Schemas = (typeof MUTATORS)[number]['schema'];

/** A suite's `mutator:` section: one of the kinds above, told apart by `kind`. */
export const mutatorSchema = z.discriminatedUnion('kind', MUTATORS.map((plugin) => plugin.schema) as unknown as [Schemas, ...Schemas[]]);

export type Mutator = z.infer<typeof mutatorSchema>;
export type MutatorKind = Mutator['kind'];

export const MUTATOR_KINDS: readonly MutatorKind[] = MUTATORS.map((plugin) => plugin.kind);

/** The plugin that runs `mutator` (its kind was checked when the suite was read). */
export function mutatorPlugin<M extends Mutator>(mutator: M): MutatorPlugin<z.ZodType<M>> {
  const plugin = MUTATORS.find((candidate) => candidate.kind === mutator.kind);
  if (!plugin) throw new Error(`no mutator plugin for kind '${mutator.kind}' (kinds: ${MUTATOR_KINDS.join(', ')})`);
  return plugin as unknown as MutatorPlugin<z.ZodType<M>>;
}
