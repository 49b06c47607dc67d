import { SlotlabError } from '../errors.js';
import { sleep } from '../machine/machine.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import { z } from 'zod';
import type { MutatorPlugin } from './mutator.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';

/**
 * Dirty logging switched on and off: a migration to `uri` (throttled so it never
 * finishes) starts it, migrate_cancel stops it. One mutation each.
 */
export const dirtyLogSchema = z
  .object({
    kind: z.literal('dirty-log'),
    uri: z.string().default('exec:cat > /dev/null'),
    /** Migration bandwidth in bytes per second: low, so the migration is still running when cancelled. */
    maxBandwidth: z.number().int().min(1).default(65536),
    /** How long logging stays on (and off) before the next switch. */
    holdMs: z.number().min(0).default(20),
    batch: z.number().int().min(1).default(10),
  })
  .strict();

export type DirtyLogMutator = z.infer<typeof dirtyLogSchema>;

export class MigrationStateError extends SlotlabError {
  constructor(detail: string) {
    super('MIGRATION_STATE', `${detail}; the dirty-log mutator needs a migration that stays active until cancelled (lower mutator.maxBandwidth)`);
  }
}

interface MigrationInfo {
  status?: string;
}

const POLL_MS = 2;

/** Polls query-migrate until the status is one of `wanted`; a completed or failed migration is an error. */
async function waitStatus(qmp: QmpClient, wanted: readonly string[], what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = (await qmp.execute<MigrationInfo>('query-migrate')).status ?? 'none';
    if (wanted.includes(status)) return;
    if (status === 'completed' || status === 'failed') throw new MigrationStateError(`the migration ${status} while waiting for ${what}`);
    if (performance.now() > deadline) throw new MigrationStateError(`timed out after ${timeoutMs} ms waiting for ${what} (status ${status})`);
    await sleep(POLL_MS);
  }
}

/**
 * Switches dirty logging on (a throttled migration to `uri`: every memslot gets
 * KVM_MEM_LOG_DIRTY_PAGES) and off (migrate_cancel) in turn; each switch is one
 * mutation, timed until query-migrate shows it took effect.
 */
export async function runDirtyLog(
  qmp: QmpClient,
  mutator: DirtyLogMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally = newTally(),
  timeouts: Timeouts = HOST_CONTEXT.timeouts,
): Promise<MutatorTally> {
  await qmp.execute('migrate-set-parameters', { 'max-bandwidth': mutator.maxBandwidth });
  let active = false;
  try {
    return await driveMutations(
      limits,
      hooks,
      tally,
      mutator.batch,
      async (index) => {
        if (index % 2 === 0) {
          await qmp.execute('migrate', { uri: mutator.uri });
          active = true;
          await waitStatus(qmp, ['active'], 'the migration to start (dirty logging on)', timeouts.migrationSettleMs);
        } else {
          await qmp.execute('migrate_cancel');
          await waitStatus(qmp, ['cancelled'], 'the migration to be cancelled (dirty logging off)', timeouts.migrationSettleMs);
          active = false;
        }
      },
      () => sleep(mutator.holdMs),
    );
  } finally {
    if (active && !hooks.lost()) await qmp.execute('migrate_cancel').catch(() => undefined);
  }
}

export const dirtyLogMutator: MutatorPlugin<typeof dirtyLogSchema> = {
  kind: 'dirty-log',
  schema: dirtyLogSchema,
  run: async (mutator, { qmp, limits, hooks, tally, timeouts }) => {
    await runDirtyLog(qmp, mutator, limits, hooks, tally, timeouts);
    return {};
  },
};
