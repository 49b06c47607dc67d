import fs from 'node:fs';
import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import { loadSuite } from '../suites/load-suite.js';
import { planOverridesSchema } from '../results/run-manifest.js';
import { campaignRefSchema } from '../results/campaign-ref.js';
import { type Plan, withOverrides } from './plan.js';

export const PLAN_SCHEMA = 'slotlab.plan/1';

const limitsSchema = z.object({ mutations: z.number().int().min(1), durationSeconds: z.number().positive() }).strict();

/** A plan as another slotlab (the one inside a kernel under test) receives it: nothing rebuilt from flags. */
export const planFileSchema = z
  .object({
    schema: z.literal(PLAN_SCHEMA),
    suite: z.object({ file: z.string(), sha256: z.string() }).strict(),
    builds: z.array(z.string()).min(1),
    seed: z.number().int(),
    overrides: planOverridesSchema,
    items: z.array(z.object({ build: z.string(), iteration: z.number().int().min(0), seed: z.number().int(), limits: limitsSchema }).strict()).min(1),
    campaign: campaignRefSchema.optional(),
  })
  .strict();

export type PlanFile = z.infer<typeof planFileSchema>;

export function planToFile(plan: Plan): PlanFile {
  return { schema: PLAN_SCHEMA, suite: { file: plan.loaded.file, sha256: plan.loaded.sha256 }, builds: plan.builds, seed: plan.seed, overrides: plan.overrides, items: plan.items, ...(plan.campaign ? { campaign: plan.campaign } : {}) };
}

export function writePlanFile(file: string, plan: Plan): void {
  fs.writeFileSync(file, JSON.stringify(planToFile(plan), null, 2) + '\n');
}

export class PlanFileError extends SlotlabError {
  constructor(file: string, detail: string) {
    super('BAD_PLAN', `${file}: ${detail}; a plan file is written by slotlab for a run inside a kernel under test: start the run again`);
  }
}

/** The plan exactly as written, its suite loaded again and checked to be the same file. */
export function readPlanFile(file: string): Plan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlanFileError(file, `not readable as JSON (${(error as Error).message})`);
  }
  const result = planFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PlanFileError(file, `field ${issue.path.join('.') || '(plan)'}: ${issue.message}`);
  }
  const { suite, builds, seed, overrides, items, campaign } = result.data;
  const loaded = loadSuite(suite.file);
  if (loaded.sha256 !== suite.sha256) throw new PlanFileError(file, `${suite.file} changed since the plan was made`);
  return { loaded: withOverrides(loaded, overrides), builds, seed, overrides, items, ...(campaign ? { campaign } : {}) };
}
