import { z } from 'zod';
import { planOverridesSchema } from '../results/run-manifest.js';

export const CAMPAIGN_SCHEMA = 'slotlab.campaign/1';

const limitsSchema = z.object({ mutations: z.number().int().min(1), durationSeconds: z.number().positive() }).strict();

/** One iteration of the campaign: which suite, build and kernel (null: the host), its seed, and the shard that runs it. */
export const campaignItemSchema = z
  .object({
    index: z.number().int().min(0),
    suite: z.string(),
    build: z.string(),
    kernel: z.string().nullable(),
    iteration: z.number().int().min(0),
    seed: z.number().int(),
    limits: limitsSchema,
    /** What the split balanced on: earlier runs' mean for the cell, else an estimate from the suite's limits. */
    expectedSeconds: z.number().min(0),
    /** 1-based, as `--shard i/N` names it. */
    shard: z.number().int().min(1),
  })
  .strict();
export type CampaignItem = z.infer<typeof campaignItemSchema>;

/** builds x kernels x suites x repetitions, split into shards: written by `slotlab plan`, run by `slotlab run --campaign FILE --shard i/N`. */
export const campaignSchema = z
  .object({
    schema: z.literal(CAMPAIGN_SCHEMA),
    /** A hash of everything below: shards of one campaign carry it, and merge checks it. */
    id: z.string().regex(/^c-[0-9a-f]{16}$/),
    createdAt: z.string(),
    seed: z.number().int(),
    builds: z.array(z.string()).min(1),
    /** Kernels under test; empty: the builds run on the host (or its nested fallback). */
    kernels: z.array(z.string()),
    suites: z.array(z.object({ name: z.string(), file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()).min(1),
    overrides: planOverridesSchema,
    shards: z.number().int().min(1),
    /** Where each item's expected duration came from. */
    estimate: z.enum(['suite-limits', 'earlier-runs']),
    items: z.array(campaignItemSchema).min(1),
  })
  .strict();
export type Campaign = z.infer<typeof campaignSchema>;

export { type CampaignRef, campaignRefSchema } from '../results/campaign-ref.js';
