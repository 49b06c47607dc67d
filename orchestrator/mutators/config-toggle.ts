import { z } from 'zod';
import type { MutatorPlugin } from './mutator.js';
import { runToggle } from './pam-toggle.js';

const byte = z.number().int().min(0).max(0xff);

/** Any host bridge (00:00.0) config byte flipped from QMP: q35 PAM (0x90..0x96), SMRAM (i440fx 0x72, q35 0x9d), ... */
export const configToggleSchema = z
  .object({
    kind: z.literal('config-toggle'),
    register: z.number().int().min(0x40).max(0xff),
    values: z.array(byte).min(2),
    batch: z.number().int().min(1).default(100),
  })
  .strict();

export type ConfigToggleMutator = z.infer<typeof configToggleSchema>;

/** The same port writes as pam-toggle, to any register of the host bridge. */
export const configToggleMutator: MutatorPlugin<typeof configToggleSchema> = { kind: 'config-toggle', schema: configToggleSchema, run: runToggle };
