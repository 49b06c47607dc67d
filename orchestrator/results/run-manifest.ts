import { z } from 'zod';
import { campaignRefSchema } from './campaign-ref.js';
import { EXPECTATIONS, buildProvenanceSchema, hostSchema } from './record.js';

/** What a run changed of its suite (`slotlab run` options), as the plan, its file and the manifest hold it. */
export const planOverridesSchema = z
  .object({
    repetitions: z.number().int().optional(),
    mutations: z.number().int().optional(),
    durationSeconds: z.number().optional(),
    /** A user-supplied multiboot image run instead of the suite's (`slotlab run --image`). */
    image: z.string().optional(),
    /** The run stopped at its first lost guest (`--until-lost`, `verdict`, `bisect`). */
    untilLost: z.boolean().optional(),
    /** How each iteration's guest started, instead of the suite's `start` (`slotlab run --start`). */
    start: z.enum(['boot', 'restore']).optional(),
    /** The guest's vCPUs instead of the suite's machine.cpus (`slotlab run --cpus`, `slotlab cost --vcpus`). */
    cpus: z.number().int().min(1).optional(),
  })
  .strict();
export type PlanOverrides = z.infer<typeof planOverridesSchema>;

export const MANIFEST_SCHEMA = 'slotlab.run/1';

/** Everything needed to know what a run was, and to resume it: written when it starts, updated when it ends. */
export const runManifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  runId: z.string(),
  suite: z.object({ name: z.string(), file: z.string(), sha256: z.string() }),
  expect: z.record(z.string(), z.enum(EXPECTATIONS)),
  safeBelow: z.number(),
  builds: z.array(buildProvenanceSchema),
  host: hostSchema,
  seed: z.number().int(),
  overrides: planOverridesSchema,
  iterations: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  status: z.enum(['running', 'complete', 'interrupted', 'failed']),
  /** Torn last lines (interrupted writes) cut off the record file before a resume appended to it, each kept in a side file. */
  tornTails: z.array(z.object({ bytes: z.number().int().min(1), savedTo: z.string(), at: z.string() })).optional(),
  /** A shard of a campaign (`slotlab run --campaign FILE --shard i/N`), shard 0: the whole campaign, run unsharded or merged (`slotlab merge`). */
  campaign: campaignRefSchema.optional(),
  /** The slotlab that made the run: package version and checkout commit (absent in older manifests). */
  slotlab: z.object({ version: z.string(), commit: z.string().nullable() }).strict().optional(),
});

export type RunManifest = z.infer<typeof runManifestSchema>;
