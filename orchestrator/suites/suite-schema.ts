import { z } from 'zod';
import { BUILD_FAMILIES } from '../builds/build-types.js';

const address = z.number().int().min(0).max(0xffffffff);

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

/** vCPU 0 of the guest flips the PAM register itself, as firmware does while remapping shadow RAM. */
export const pamGuestSchema = z
  .object({
    kind: z.literal('pam-guest'),
    register: z.number().int().min(0x59).max(0x5f).default(0x59),
    values: z.tuple([z.number().int().min(0).max(0xff), z.number().int().min(0).max(0xff)]).default([0x10, 0x30]),
    checkEverySeconds: z.number().positive().default(0.1),
  })
  .strict();

/** No mutation at all: the guest runs for the duration while run state and progress are checked. */
export const noMutatorSchema = z
  .object({
    kind: z.literal('none'),
    checkEverySeconds: z.number().positive().default(0.1),
  })
  .strict();

/** Mutations allowed when a suite sets no count: the duration is the limit. */
export const UNLIMITED_MUTATIONS = 1_000_000_000;

export const suiteSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    machine: z
      .object({
        type: z.enum(['pc', 'q35']),
        options: z.record(z.string(), z.string()).default({}),
        cpus: z.number().int().min(1).max(64),
        memoryMiB: z.number().int().min(16).max(65536),
      })
      .strict(),
    guest: z
      .object({
        image: z.literal('spin'),
        codeAddress: address.default(0x100000),
        codeStride: z.number().int().min(16).max(0x100000).default(0x40),
        bootTimeoutSeconds: z.number().positive().default(60),
      })
      .strict(),
    mutator: z.discriminatedUnion('kind', [pamToggleSchema, pamGuestSchema, noMutatorSchema]),
    stop: z
      .object({
        mutations: z.number().int().min(1).max(UNLIMITED_MUTATIONS).default(UNLIMITED_MUTATIONS),
        durationSeconds: z.number().positive(),
      })
      .strict(),
    repetitions: z.number().int().min(1),
    /** What each build family should do: lose the guest (`race`) or never (`safe`). */
    expect: z.partialRecord(z.enum(BUILD_FAMILIES), z.enum(['race', 'safe'])).default({}),
    /** A `safe` verdict needs the per-mutation loss probability bounded below this at 95%. */
    safeBelow: z.number().positive().max(1).default(0.001),
  })
  .strict();

export type Suite = z.infer<typeof suiteSchema>;
export type PamToggleMutator = z.infer<typeof pamToggleSchema>;
export type NoMutator = z.infer<typeof noMutatorSchema>;
export type PamGuestMutator = z.infer<typeof pamGuestSchema>;
export type Mutator = Suite['mutator'];
