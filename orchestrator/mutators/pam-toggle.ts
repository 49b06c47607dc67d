import { z } from 'zod';
import type { QmpClient } from '../qmp/qmp-client.js';
import type { ConfigToggleMutator } from './config-toggle.js';
import type { MutatorContext, MutatorOutcome, MutatorPlugin } from './mutator.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';

export const pamToggleSchema = z
  .object({
    kind: z.literal('pam-toggle'),
    /** i440fx config-space register holding the PAM field (0x59: PAM0, segment 0xF0000). */
    register: z.number().int().min(0x59).max(0x5f).default(0x59),
    /** The values written in turn (0x10: read-only, 0x30: read-write for the high nibble). */
    values: z.array(z.number().int().min(0).max(0xff)).min(2).default([0x10, 0x30]),
    /** Mutations between two checks of run state and vCPU progress. */
    batch: z.number().int().min(1).default(100),
  })
  .strict();

export type PamToggleMutator = z.infer<typeof pamToggleSchema>;

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
 * Mutation i of a host bridge config register flip (i440fx PAM, q35 PAM or
 * SMRAM) through HMP port writes. The config address is re-selected before each
 * batch, in case the guest moved it.
 */
export function pamToggleStep(qmp: QmpClient, mutator: PamToggleMutator | ConfigToggleMutator, firstValueIndex = 0): (index: number) => Promise<void> {
  return async (index) => {
    if (index % mutator.batch === 0) await qmp.hmp(selectRegisterCommand(mutator.register));
    const value = mutator.values[(firstValueIndex + index) % mutator.values.length]!;
    await qmp.hmp(writeRegisterCommand(mutator.register, value));
  };
}

/** Flips the register, one mutation per write, as fast as QMP answers, until a limit is reached or the guest is lost. */
export function runPamToggle(
  qmp: QmpClient,
  mutator: PamToggleMutator | ConfigToggleMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  firstValueIndex = 0,
  tally: MutatorTally = newTally(),
): Promise<MutatorTally> {
  return driveMutations(limits, hooks, tally, mutator.batch, pamToggleStep(qmp, mutator, firstValueIndex));
}

/** A plugin's run for any register flip: the seed picks the value it starts from. */
export async function runToggle(mutator: PamToggleMutator | ConfigToggleMutator, { qmp, limits, hooks, tally, seed }: MutatorContext): Promise<MutatorOutcome> {
  await runPamToggle(qmp, mutator, limits, hooks, seed % mutator.values.length, tally);
  return {};
}

export const pamToggleMutator: MutatorPlugin<typeof pamToggleSchema> = { kind: 'pam-toggle', schema: pamToggleSchema, run: runToggle };
