import type { CampaignRef } from '../results/campaign-ref.js';
import type { PlanOverrides } from '../results/run-manifest.js';
import { SuiteError, type LoadedSuite } from '../suites/load-suite.js';
import { suiteSchema } from '../suites/suite-schema.js';

export type { PlanOverrides };

export interface PlanItem {
  build: string;
  iteration: number;
  seed: number;
  limits: { mutations: number; durationSeconds: number };
}

export interface Plan {
  loaded: LoadedSuite;
  builds: string[];
  seed: number;
  overrides: PlanOverrides;
  items: PlanItem[];
  /** The campaign shard this plan is part of (its items a subset of makePlan's). */
  campaign?: CampaignRef;
}

/**
 * builds x repetitions, interleaved (repetition 0 of every build, then 1, ...)
 * so that slow drift of the host affects every build alike.
 */
export function makePlan(loaded: LoadedSuite, builds: string[], overrides: PlanOverrides = {}, seed = Date.now() % 0x7fffffff): Plan {
  if (builds.length === 0) throw new Error('a plan needs at least one build');
  loaded = withOverrides(loaded, overrides);
  const repetitions = overrides.repetitions ?? loaded.suite.repetitions;
  const limits = {
    mutations: overrides.mutations ?? loaded.suite.stop.mutations,
    durationSeconds: overrides.durationSeconds ?? loaded.suite.stop.durationSeconds,
  };
  const items: PlanItem[] = [];
  for (let iteration = 0; iteration < repetitions; iteration++) {
    builds.forEach((build, index) => items.push({ build, iteration, seed: seed + iteration * builds.length + index, limits }));
  }
  return { loaded, builds, seed, overrides: stripUndefined(overrides), items };
}

/** The suite as the plan runs it: `cpus` replaces machine.cpus, checked against the suite's rules like the file itself. */
export function withOverrides(loaded: LoadedSuite, overrides: PlanOverrides): LoadedSuite {
  if (overrides.cpus === undefined || overrides.cpus === loaded.suite.machine.cpus) return loaded;
  const result = suiteSchema.safeParse({ ...loaded.suite, machine: { ...loaded.suite.machine, cpus: overrides.cpus } });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new SuiteError(loaded.file, `with ${overrides.cpus} vCPUs (--cpus), field ${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...loaded, suite: result.data };
}

/** The overrides a run was given, without the options left unset (as plan files and manifests keep them). */
export function stripUndefined(overrides: PlanOverrides): PlanOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}

/** The plan's items a campaign shard holds (ref.items, `<build>#<iteration>`), the shard named in the plan. */
export function shardOfPlan(plan: Plan, ref: CampaignRef): Plan {
  const keep = new Set(ref.items);
  return { ...plan, items: plan.items.filter((item) => keep.has(`${item.build}#${item.iteration}`)), campaign: ref };
}
