import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { findKernel } from '../kernels/kernel-registry.js';
import { CampaignError, campaignFileName, readCampaign, writeCampaign } from '../campaign/campaign-file.js';
import type { Campaign } from '../campaign/campaign-schema.js';
import { githubWorkflow, gitlabPipeline } from '../campaign/ci-definitions.js';
import { makeCampaign, shardTotals } from '../campaign/make-campaign.js';
import { mergeRuns } from '../campaign/merge-runs.js';
import { repoRoot } from '../paths.js';
import { readRuns } from '../results/run-store.js';
import { stripUndefined } from '../runner/plan.js';
import { loadSuite } from '../suites/load-suite.js';
import { UsageError, positiveInt, positiveNumber } from './usage.js';

/** `slotlab plan`: the campaign's items and their split into shards, the campaign file and CI definitions that run it. */
export function planCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      build: { type: 'string', multiple: true },
      kernel: { type: 'string', multiple: true },
      repetitions: { type: 'string' },
      mutations: { type: 'string' },
      duration: { type: 'string' },
      cpus: { type: 'string' },
      seed: { type: 'string' },
      shards: { type: 'string' },
      output: { type: 'string' },
      history: { type: 'string', multiple: true },
    },
  });
  if (positionals.length === 0) throw new UsageError('plan needs at least one suite (see `slotlab suites`)');
  if (!values.build?.length) throw new UsageError('plan needs at least one --build (see `slotlab builds`)');
  if (values.shards === undefined) throw new UsageError('plan needs --shards N: how many CI jobs share the campaign');
  if (values.output === undefined) throw new UsageError('plan needs --output DIR: where the campaign file and the CI definitions go');
  for (const name of values.build) findBuild(name);
  // A campaign runs on other machines: only the built-in kernels, which every runner builds alike, go in it.
  for (const name of values.kernel ?? []) if (findKernel(name).name !== name || name.includes('/')) throw new UsageError(`--kernel ${name}: a campaign runs on other machines, so it takes a built-in kernel (see \`slotlab kernels\`), not a bzImage file`);
  const seed = values.seed === undefined ? Date.now() % 0x7fffffff : Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed needs an integer, not '${values.seed}'`);
  const campaign = makeCampaign({
    suites: [...new Set(positionals)].map((suite) => loadSuite(suite)),
    builds: values.build,
    kernels: values.kernel ?? [],
    overrides: stripUndefined({
      repetitions: positiveInt('--repetitions', values.repetitions),
      mutations: positiveInt('--mutations', values.mutations),
      durationSeconds: positiveNumber('--duration', values.duration),
      cpus: positiveInt('--cpus', values.cpus),
    }),
    seed,
    shards: positiveInt('--shards', values.shards)!,
    history: (values.history ?? []).flatMap((run) => readRuns(run)).flatMap((run) => run.records),
  });
  if (campaign.shards > campaign.items.length) throw new UsageError(`--shards ${campaign.shards} over ${campaign.items.length} iteration(s): a shard needs at least one iteration; use --shards ${campaign.items.length} or fewer`);
  const dir = path.resolve(values.output);
  const file = path.join(dir, campaignFileName(campaign));
  writeCampaign(file, campaign);
  const relative = path.relative(repoRoot, file);
  const inRepo = !relative.startsWith('..') && !path.isAbsolute(relative);
  const paths = { campaign: inRepo ? relative : file };
  const written = [file, path.join(dir, 'github-workflow.yml'), path.join(dir, 'gitlab-ci.yml')];
  fs.writeFileSync(written[1]!, githubWorkflow(campaign, paths));
  fs.writeFileSync(written[2]!, gitlabPipeline(campaign, paths));
  process.stdout.write(campaignText(campaign));
  for (const name of written) process.stdout.write(`wrote ${name}\n`);
  if (!inRepo) process.stderr.write(`slotlab: ${file} is outside this repository: the CI definitions name it by its absolute path; put it in the repository (e.g. --output campaigns/) so CI jobs find it\n`);
  return 0;
}

/** The items, one line each, then each shard's share. */
export function campaignText(campaign: Campaign): string {
  const lines = [`campaign ${campaign.id}: ${campaign.items.length} iterations, seed ${campaign.seed}, ${campaign.shards} shards (expected durations from ${campaign.estimate === 'earlier-runs' ? 'earlier runs where they had the cell, else the suites\' limits' : "the suites' limits"})`];
  lines.push('shard  suite  build  kernel  iteration  seed  expected s');
  for (const item of campaign.items) lines.push(`${item.shard}  ${item.suite}  ${item.build}  ${item.kernel ?? 'host'}  ${item.iteration}  ${item.seed}  ${item.expectedSeconds}`);
  for (const total of shardTotals(campaign)) lines.push(`shard ${total.shard}/${campaign.shards}: ${total.items} iterations, ${total.expectedSeconds} s expected`);
  return lines.join('\n') + '\n';
}

/** `slotlab merge`: shard runs (folders or record files) into one run per (suite, kernel) of their campaign. */
export function mergeCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { into: { type: 'string' }, campaign: { type: 'string' } } });
  if (positionals.length === 0) throw new UsageError('merge needs the shards\' run folders or record files');
  if (values.into === undefined) throw new UsageError('merge needs --into DIR: where the merged campaign goes');
  // A shard the split gave no iteration leaves only its campaign file: nothing to merge from it, and nothing missing.
  const runs = positionals.filter((input) => !isEmptyShard(input)).flatMap((input) => readRuns(input));
  const campaign = values.campaign !== undefined ? readCampaign(values.campaign) : campaignBeside(positionals);
  const result = mergeRuns(campaign, runs, values.into);
  for (const run of result.runs) process.stdout.write(`merged ${run.runId}: ${run.records} of ${run.expected} iterations\n`);
  for (const gap of result.missing) {
    process.stderr.write(`slotlab: shard ${gap.shard}/${campaign.shards}: ${gap.items.length} of ${campaign.items.filter((item) => item.shard === gap.shard).length} iterations missing (run it again: slotlab run --campaign <file> --shard ${gap.shard}/${campaign.shards})\n`);
  }
  return result.missing.length > 0 ? 1 : 0;
}

/** The campaign file a shard's `run --campaign` left in its runs folder, when --campaign is not given. */
function campaignBeside(inputs: readonly string[]): Campaign {
  const files = inputs.flatMap((input) => {
    const dir = fs.existsSync(input) && fs.statSync(input).isDirectory() ? input : path.dirname(path.resolve(input));
    return fs.readdirSync(dir).filter((name) => name.endsWith('.campaign.json')).map((name) => path.join(dir, name));
  });
  const ids = [...new Set(files.map((file) => path.basename(file, '.campaign.json')))];
  if (ids.length === 0) throw new CampaignError('no campaign file beside the runs: give it with --campaign FILE (the one `slotlab plan` wrote)');
  if (ids.length > 1) throw new CampaignError(`the runs' folders hold several campaigns (${ids.join(', ')}): merge one campaign at a time, or name it with --campaign FILE`);
  return readCampaign(files[0]!);
}

/** A shard's folder holding its campaign file and no run (a shard with no iterations). */
function isEmptyShard(input: string): boolean {
  if (!fs.existsSync(input) || !fs.statSync(input).isDirectory()) return false;
  const names = fs.readdirSync(input);
  return names.some((name) => name.endsWith('.campaign.json')) && !names.some((name) => name.endsWith('.jsonl') || name.endsWith('.manifest.json'));
}
