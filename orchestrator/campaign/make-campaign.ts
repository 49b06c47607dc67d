import { createHash } from 'node:crypto';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { L1_TIME_SCALE } from '../nested/kernel-run.js';
import type { IterationRecord } from '../results/record.js';
import { makePlan, type PlanOverrides } from '../runner/plan.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import { CAMPAIGN_SCHEMA, type Campaign, type CampaignItem } from './campaign-schema.js';

export interface CampaignInput {
  suites: LoadedSuite[];
  builds: string[];
  /** Kernels under test; empty: the host. */
  kernels: string[];
  overrides: PlanOverrides;
  seed: number;
  shards: number;
  /** Records of earlier runs: a cell's mean iteration time replaces the estimate from the suite's limits. */
  history?: readonly IterationRecord[];
  createdAt?: string;
}

/** The seconds of start-up an estimate adds to an iteration: half the suite's boot timeout (a bound, not a typical boot). */
const bootShare = (loaded: LoadedSuite) => loaded.suite.guest.bootTimeoutSeconds / 2;

/**
 * Every (suite, kernel) group is the plan `slotlab run` would make with the same suite,
 * builds, limits and seed, so a campaign's item is the same iteration, with the same
 * seed, as the unsharded run's. The split is deterministic: longest expected items
 * first, each to the shard with the least expected time so far (ties: lower index).
 */
export function makeCampaign(input: CampaignInput): Campaign {
  if (input.shards < 1 || !Number.isInteger(input.shards)) throw new Error(`a campaign needs a whole number of shards, not ${input.shards}`);
  const history = cellMeans(input.history ?? []);
  const items: Omit<CampaignItem, 'shard'>[] = [];
  const kernels: (string | null)[] = input.kernels.length > 0 ? input.kernels : [null];
  let usedHistory = false;
  for (const loaded of input.suites) {
    for (const kernel of kernels) {
      const plan = makePlan(loaded, input.builds, input.overrides, input.seed);
      for (const item of plan.items) {
        const earlier = history.get(cellKey(loaded.suite.name, item.build, kernel));
        usedHistory ||= earlier !== undefined;
        // Inside a kernel under test the guest's start-up is slower (L2 under TCG); the mutation phase keeps its wall-clock limit.
        const estimate = item.limits.durationSeconds + bootShare(plan.loaded) * (kernel === null ? 1 : L1_TIME_SCALE);
        items.push({ index: items.length, suite: loaded.suite.name, build: item.build, kernel, iteration: item.iteration, seed: item.seed, limits: item.limits, expectedSeconds: round(earlier ?? estimate) });
      }
    }
  }
  const shards = splitIntoShards(items, input.shards);
  const body = {
    seed: input.seed,
    builds: input.builds,
    kernels: input.kernels,
    // A suite of this repository by its path in it, so that a shard checked out anywhere finds it; a user's own suite as given.
    suites: input.suites.map((loaded) => ({ name: loaded.suite.name, file: repositoryPath(loaded.file), sha256: loaded.sha256 })),
    overrides: input.overrides,
    shards: input.shards,
    estimate: usedHistory ? ('earlier-runs' as const) : ('suite-limits' as const),
    items: items.map((item, index) => ({ ...item, shard: shards[index]! })),
  };
  const id = `c-${createHash('sha256').update(JSON.stringify({ ...body, suites: body.suites.map(({ name, sha256 }) => ({ name, sha256 })) })).digest('hex').slice(0, 16)}`;
  return { schema: CAMPAIGN_SCHEMA, id, createdAt: input.createdAt ?? new Date().toISOString(), ...body };
}

/** Longest-processing-time first: returns each item's 1-based shard. */
export function splitIntoShards(items: readonly { expectedSeconds: number }[], shards: number): number[] {
  const load = new Array<number>(shards).fill(0);
  const assigned = new Array<number>(items.length);
  const order = items.map((item, index) => ({ seconds: item.expectedSeconds, index })).sort((a, b) => b.seconds - a.seconds || a.index - b.index);
  for (const { seconds, index } of order) {
    let best = 0;
    for (let shard = 1; shard < shards; shard++) if (load[shard]! < load[best]!) best = shard;
    load[best]! += seconds;
    assigned[index] = best + 1;
  }
  return assigned;
}

/** Each shard's items and expected seconds. */
export function shardTotals(campaign: Campaign): { shard: number; items: number; expectedSeconds: number }[] {
  return Array.from({ length: campaign.shards }, (_, index) => {
    const mine = campaign.items.filter((item) => item.shard === index + 1);
    return { shard: index + 1, items: mine.length, expectedSeconds: round(mine.reduce((sum, item) => sum + item.expectedSeconds, 0)) };
  });
}

function cellKey(suite: string, build: string, kernel: string | null): string {
  return `${suite}\u0000${build}\u0000${kernel ?? ''}`;
}

function cellMeans(records: readonly IterationRecord[]): Map<string, number> {
  const sums = new Map<string, { total: number; count: number }>();
  for (const record of records) {
    const key = cellKey(record.suite.name, record.build.name, record.host.kernelUnderTest?.name ?? null);
    const sum = sums.get(key) ?? { total: 0, count: 0 };
    sums.set(key, { total: sum.total + record.durationMs / 1000, count: sum.count + 1 });
  }
  return new Map([...sums].map(([key, { total, count }]) => [key, total / count]));
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

/** A file inside the repository as its path from the repository's root; one outside it, absolute. */
export function repositoryPath(file: string, root = repoRoot): string {
  const relative = path.relative(root, path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(file) : relative.split(path.sep).join('/');
}
