import { SlotlabError } from '../errors.js';
import { sleep } from '../machine/machine.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import type { DirtyLogMutator } from '../suites/suite-schema.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { scaled } from '../machine/time-scale.js';

export class MigrationStateError extends SlotlabError {
  constructor(detail: string) {
    super('MIGRATION_STATE', `${detail}; the dirty-log mutator needs a migration that stays active until cancelled (lower mutator.maxBandwidth)`);
  }
}

interface MigrationInfo {
  status?: string;
}

const POLL_MS = 2;
const SETTLE_TIMEOUT_MS = 10_000;

/** Polls query-migrate until the status is one of `wanted`; a completed or failed migration is an error. */
async function waitStatus(qmp: QmpClient, wanted: readonly string[], what: string): Promise<void> {
  const deadline = performance.now() + scaled(SETTLE_TIMEOUT_MS);
  for (;;) {
    const status = (await qmp.execute<MigrationInfo>('query-migrate')).status ?? 'none';
    if (wanted.includes(status)) return;
    if (status === 'completed' || status === 'failed') throw new MigrationStateError(`the migration ${status} while waiting for ${what}`);
    if (performance.now() > deadline) throw new MigrationStateError(`timed out after ${scaled(SETTLE_TIMEOUT_MS)} ms waiting for ${what} (status ${status})`);
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
          await waitStatus(qmp, ['active'], 'the migration to start (dirty logging on)');
        } else {
          await qmp.execute('migrate_cancel');
          await waitStatus(qmp, ['cancelled'], 'the migration to be cancelled (dirty logging off)');
          active = false;
        }
      },
      () => sleep(mutator.holdMs),
    );
  } finally {
    if (active && !hooks.lost()) await qmp.execute('migrate_cancel').catch(() => undefined);
  }
}
