import type { QmpClient } from '../qmp/qmp-client.js';
import type { PamToggleMutator } from '../suites/suite-schema.js';

export interface MutationLimits {
  mutations: number;
  durationMs: number;
}

export interface MutatorHooks {
  /** True once the guest is known to be lost; checked before every mutation. */
  lost(): boolean;
  /** Called after every batch; returning false stops the mutator. */
  checkpoint(): Promise<boolean>;
}

/** Counts kept up to date while the mutator runs, so they survive a QEMU that dies under it. */
export interface MutatorTally {
  attempted: number;
  applied: number;
  latenciesUs: number[];
  startedAtMs: number;
  /** Set when the mutator returns or throws. */
  endedAtMs: number | undefined;
  stoppedBy: 'mutations' | 'duration' | 'lost' | 'checkpoint' | undefined;
}

export function newTally(): MutatorTally {
  return { attempted: 0, applied: 0, latenciesUs: [], startedAtMs: performance.now(), endedAtMs: undefined, stoppedBy: undefined };
}

const CONFIG_ADDRESS_PORT = 0xcf8;
const CONFIG_DATA_PORT = 0xcfc;

/** HMP lines that point the PCI config window at `register` of the host bridge (00:00.0). */
export function selectRegisterCommand(register: number): string {
  const address = (0x80000000 | (register & 0xfc)) >>> 0;
  // HMP's `o` takes b/h/w sizes; /w is 32 bits.
  return `o /w 0x${CONFIG_ADDRESS_PORT.toString(16)} 0x${address.toString(16)}`;
}

export function writeRegisterCommand(register: number, value: number): string {
  return `o /b 0x${(CONFIG_DATA_PORT + (register & 3)).toString(16)} 0x${value.toString(16)}`;
}

/**
 * Flips an i440fx PAM register through HMP port writes, one mutation per write,
 * as fast as QMP answers, until a limit is reached or the guest is lost.
 */
export async function runPamToggle(
  qmp: QmpClient,
  mutator: PamToggleMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  firstValueIndex = 0,
  tally: MutatorTally = newTally(),
): Promise<MutatorTally> {
  tally.startedAtMs = performance.now();
  try {
    tally.stoppedBy = await mutate(qmp, mutator, limits, hooks, firstValueIndex, tally);
    return tally;
  } finally {
    tally.endedAtMs = performance.now();
  }
}

async function mutate(
  qmp: QmpClient,
  mutator: PamToggleMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  firstValueIndex: number,
  tally: MutatorTally,
): Promise<NonNullable<MutatorTally['stoppedBy']>> {
  while (tally.attempted < limits.mutations) {
    if (hooks.lost()) return 'lost';
    if (performance.now() - tally.startedAtMs >= limits.durationMs) return 'duration';
    if (tally.attempted % mutator.batch === 0) await qmp.hmp(selectRegisterCommand(mutator.register));
    const value = mutator.values[(firstValueIndex + tally.attempted) % mutator.values.length]!;
    tally.attempted++;
    const sentAt = performance.now();
    await qmp.hmp(writeRegisterCommand(mutator.register, value));
    tally.latenciesUs.push(Math.round((performance.now() - sentAt) * 1000));
    tally.applied++;
    if (tally.applied % mutator.batch === 0 && !(await hooks.checkpoint())) return 'checkpoint';
  }
  return hooks.lost() ? 'lost' : 'mutations';
}
