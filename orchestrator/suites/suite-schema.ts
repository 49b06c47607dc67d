import { z } from 'zod';
import { BUILD_FAMILIES } from '../builds/build-types.js';

/** Guest-physical addresses up to 1 TiB (code above 4 GiB runs through the spin image's paging window). */
const address = z.number().int().min(0).max(2 ** 40);
const byte = z.number().int().min(0).max(0xff);

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

/** Any host bridge (00:00.0) config byte flipped from QMP: q35 PAM (0x90..0x96), SMRAM (i440fx 0x72, q35 0x9d), ... */
export const configToggleSchema = z
  .object({
    kind: z.literal('config-toggle'),
    register: z.number().int().min(0x40).max(0xff),
    values: z.array(byte).min(2),
    batch: z.number().int().min(1).default(100),
  })
  .strict();

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

/**
 * DIMMs hot-plugged (object-add + device_add pc-dimm) and unplugged (device_del,
 * the ACPI eject a guest would do, object-del) in turn. One mutation each.
 */
export const dimmChurnSchema = z
  .object({
    kind: z.literal('dimm-churn'),
    dimms: z.number().int().min(1).max(8).default(2),
    sizeMiB: z.number().int().min(2).default(128),
    batch: z.number().int().min(1).default(4),
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
        /** Memory hotplug: DIMM slots and the most memory they may bring (QEMU's -m slots=,maxmem=). */
        memorySlots: z.number().int().min(1).max(256).optional(),
        maxMemoryMiB: z.number().int().min(16).optional(),
        /** `-device` arguments (QEMU syntax, no spaces), e.g. `VGA`. */
        devices: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.,=:-]*$/, 'a -device argument such as VGA or pc-dimm,id=x,memdev=y')).default([]),
        /** DIMMs plugged at start (memory-backend-ram + pc-dimm), e.g. one the vCPUs execute from. */
        dimms: z
          .array(z.object({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), sizeMiB: z.number().int().min(2), address: address.optional() }).strict())
          .default([]),
      })
      .strict(),
    guest: z
      .object({
        image: z.literal('spin'),
        codeAddress: address.default(0x100000),
        codeStride: z.number().int().min(16).max(0x100000).default(0x40),
        /** Host bridge config bytes the guest writes before it copies its loops (e.g. PAM: make shadow RAM writable). */
        setupWrites: z.array(z.object({ register: z.number().int().min(1).max(0xff), value: byte }).strict()).max(8).default([]),
        bootTimeoutSeconds: z.number().positive().default(60),
      })
      .strict(),
    mutator: z.discriminatedUnion('kind', [pamToggleSchema, configToggleSchema, pamGuestSchema, dirtyLogSchema, dimmChurnSchema, noMutatorSchema]),
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
  .strict()
  .superRefine((suite, context) => {
    const { machine, mutator } = suite;
    const hotplugged = machine.dimms.length + (mutator.kind === 'dimm-churn' ? mutator.dimms : 0);
    if (hotplugged > 0 && machine.memorySlots === undefined) {
      context.addIssue({ code: 'custom', path: ['machine', 'memorySlots'], message: `needed: ${hotplugged} DIMM(s) are plugged (machine.dimms, mutator.dimms)` });
    } else if (machine.memorySlots !== undefined && hotplugged > machine.memorySlots) {
      context.addIssue({ code: 'custom', path: ['machine', 'memorySlots'], message: `${machine.memorySlots} slots cannot hold ${hotplugged} DIMMs` });
    }
    if (machine.memorySlots !== undefined) {
      const needed = machine.memoryMiB + machine.dimms.reduce((sum, dimm) => sum + dimm.sizeMiB, 0) + (mutator.kind === 'dimm-churn' ? mutator.dimms * mutator.sizeMiB : 0);
      if (machine.maxMemoryMiB === undefined || machine.maxMemoryMiB < needed) {
        context.addIssue({ code: 'custom', path: ['machine', 'maxMemoryMiB'], message: `must be at least ${needed} (boot RAM plus every DIMM)` });
      }
    }
  });

export type Suite = z.infer<typeof suiteSchema>;
export type PamToggleMutator = z.infer<typeof pamToggleSchema>;
export type ConfigToggleMutator = z.infer<typeof configToggleSchema>;
export type DirtyLogMutator = z.infer<typeof dirtyLogSchema>;
export type DimmChurnMutator = z.infer<typeof dimmChurnSchema>;
export type NoMutator = z.infer<typeof noMutatorSchema>;
export type PamGuestMutator = z.infer<typeof pamGuestSchema>;
export type Mutator = Suite['mutator'];
