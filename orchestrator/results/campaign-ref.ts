import { z } from 'zod';

/** What a shard's run keeps of its campaign (in its plan and manifest): merge checks shards by it. */
export const campaignRefSchema = z
  .object({
    id: z.string(),
    /** 1..shards; 0: the whole campaign (run unsharded, or merged). */
    shard: z.number().int().min(0),
    shards: z.number().int().min(1),
    /** The kernel under test the campaign planned this group for; null: the host (which may still run it inside the nested fallback kernel). */
    kernel: z.string().nullable(),
    /** The iterations of this run's (suite, kernel) group the shard holds, as `<build>#<iteration>`, in order: a resume runs only these. */
    items: z.array(z.string().regex(/^.+#\d+$/)),
  })
  .strict();
export type CampaignRef = z.infer<typeof campaignRefSchema>;
