import type { PlanOverrides } from '../results/run-manifest.js';
import type { LoadedSuite } from '../suites/load-suite.js';

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
}

/**
 * builds x repetitions, interleaved (repetition 0 of every build, then 1, ...)
 * so that slow drift of the host affects every build alike.
 */
export function makePlan(loaded: LoadedSuite, builds: string[], overrides: PlanOverrides = {}, seed = Date.now() % 0x7fffffff): Plan {
  if (builds.length === 0) throw new Error('a plan needs at least one build');
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

function stripUndefined(overrides: PlanOverrides): PlanOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}
