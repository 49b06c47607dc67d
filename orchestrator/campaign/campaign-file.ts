import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { SlotlabError } from '../errors.js';
import type { CampaignRef } from '../results/campaign-ref.js';
import { writeFileWhole } from '../results/run-store.js';
import type { Plan } from '../runner/plan.js';
import { withOverrides } from '../runner/plan.js';
import { loadSuite } from '../suites/load-suite.js';
import { type Campaign, type CampaignItem, campaignSchema } from './campaign-schema.js';

export class CampaignError extends SlotlabError {
  constructor(detail: string) {
    super('BAD_CAMPAIGN', detail);
  }
}

export const campaignFileName = (campaign: Pick<Campaign, 'id'>) => `${campaign.id}.campaign.json`;

/** Written aside and renamed: a reader (another shard starting) sees the old file or the new one. */
export function writeCampaign(file: string, campaign: Campaign): void {
  writeFileWhole(file, JSON.stringify(campaign, null, 2) + '\n');
}

export function readCampaign(file: string): Campaign {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CampaignError(`${file}: not readable as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the campaign file \`slotlab plan --output DIR\` wrote`);
  }
  const result = campaignSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new CampaignError(`${file}: field ${issue.path.join('.') || '(campaign)'}: ${issue.message}; write it again with \`slotlab plan\``);
  }
  return result.data;
}

/** `i/N` as given to --shard: 1 <= i <= N, and N the campaign's own shard count. */
export function parseShard(text: string, campaign: Campaign): number {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new CampaignError(`--shard '${text}': give i/N, e.g. --shard 2/${campaign.shards}`);
  const [shard, of] = [Number(match[1]), Number(match[2])];
  if (of !== campaign.shards) throw new CampaignError(`--shard ${text}: campaign ${campaign.id} is split into ${campaign.shards} shards, not ${of}; plan it again with --shards ${of}, or run shards i/${campaign.shards}`);
  if (shard < 1 || shard > of) throw new CampaignError(`--shard ${text}: shards are numbered 1 to ${of}`);
  return shard;
}

export interface ShardGroup {
  plan: Plan;
  /** The kernel under test the group runs inside; undefined: this host. */
  kernel: string | undefined;
}

/**
 * The runs a shard makes (shard 0: the whole campaign): one per (suite, kernel) group that has
 * items in it, each the plan `slotlab run` makes for that suite, narrowed to the shard's items.
 */
export function shardGroups(campaign: Campaign, shard: number, root = repoRoot): ShardGroup[] {
  const groups: ShardGroup[] = [];
  for (const suite of campaign.suites) {
    // Relative: a suite of the repository, found in the checkout that runs the shard.
    const loaded = loadSuite(path.isAbsolute(suite.file) ? suite.file : path.join(root, suite.file));
    if (loaded.sha256 !== suite.sha256) throw new CampaignError(`${suite.file} changed since campaign ${campaign.id} was planned (sha256 ${loaded.sha256.slice(0, 12)}, planned ${suite.sha256.slice(0, 12)}); every shard must run the same suite: check out the commit the campaign was planned at`);
    for (const kernel of campaign.kernels.length > 0 ? campaign.kernels : [null]) {
      const mine = campaign.items.filter((item) => item.suite === suite.name && item.kernel === kernel && (shard === 0 || item.shard === shard));
      if (mine.length === 0) continue;
      const ref: CampaignRef = { id: campaign.id, shard, shards: campaign.shards, kernel, items: mine.map(itemKeyOf) };
      const plan: Plan = {
        loaded: withOverrides(loaded, campaign.overrides),
        builds: campaign.builds,
        seed: campaign.seed,
        overrides: campaign.overrides,
        items: mine.map(({ build, iteration, seed, limits }) => ({ build, iteration, seed, limits })),
        campaign: ref,
      };
      groups.push({ plan, kernel: kernel ?? undefined });
    }
  }
  return groups;
}

export const itemKeyOf = (item: Pick<CampaignItem, 'build' | 'iteration'>) => `${item.build}#${item.iteration}`;
