import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import type { IterationRecord } from '../results/record.js';
import type { RunManifest } from '../results/run-manifest.js';
import { type StoredRun, runFiles, writeFileWhole, writeManifest } from '../results/run-store.js';
import type { Campaign, CampaignItem } from './campaign-schema.js';
import { itemKeyOf } from './campaign-file.js';

export class MergeError extends SlotlabError {
  constructor(detail: string) {
    super('MERGE_CONFLICT', detail);
  }
}

export interface MergedRun {
  runId: string;
  suite: string;
  kernel: string | null;
  records: number;
  expected: number;
}

export interface MergeResult {
  runs: MergedRun[];
  /** Per shard, the campaign's iterations no run holds. */
  missing: { shard: number; items: CampaignItem[] }[];
}

interface MergeGroup {
  suite: string;
  /** The kernel the campaign planned the group for (null: the host). */
  kernel: string | null;
  /** Where its records ran: the host's KVM (null) or a kernel under test, and the first run that says so. */
  ranIn: { kernel: string | null; runId: string } | undefined;
  runs: StoredRun[];
  records: IterationRecord[];
}

const kernelOf = (record: IterationRecord) => record.host.kernelUnderTest?.name ?? null;
const groupKey = (suite: string, kernel: string | null) => `${suite}\u0000${kernel ?? ''}`;
const itemKey = (suite: string, build: string, kernel: string | null, iteration: number) => `${groupKey(suite, kernel)}\u0000${build}#${iteration}`;
const where = (kernel: string | null) => (kernel ? `inside ${kernel}` : 'on the host');

/**
 * Checks that shard runs belong to `campaign` and together, and makes one run per
 * (suite, kernel) group from them: the records of the same plan run unsharded, in
 * the campaign's order, under the group's run id.
 */
export function planMerge(campaign: Campaign, runs: readonly StoredRun[]): { groups: Map<string, MergeGroup>; missing: MergeResult['missing'] } {
  if (runs.length === 0) throw new MergeError('no runs to merge: give the shards\' run folders or record files');
  const items = new Map(campaign.items.map((item) => [itemKey(item.suite, item.build, item.kernel, item.iteration), item]));
  const suites = new Map(campaign.suites.map((suite) => [suite.name, suite]));
  const binaries = new Map<string, { sha256: string; runId: string }>();
  const kernels = new Map<string, { sha256: string; runId: string }>();
  const shardRuns = new Map<string, string>();
  const seen = new Map<string, string>();
  const groups = new Map<string, MergeGroup>();

  for (const run of runs) {
    const { runId } = run.files;
    const manifest = run.manifest;
    if (!manifest) throw new MergeError(`run ${runId} has no manifest beside its records (${run.files.manifest}): merge needs each shard's manifest, which names its campaign and shard; keep the whole run folder as the job's artifact`);
    const ref = manifest.campaign;
    if (!ref) throw new MergeError(`run ${runId} is not part of a campaign (its manifest names none): only runs of \`slotlab run --campaign FILE --shard i/N\` merge`);
    if (ref.id !== campaign.id) throw new MergeError(`run ${runId} belongs to campaign ${ref.id}, not ${campaign.id}: merge the shards of one campaign at a time`);
    if (ref.shards !== campaign.shards) throw new MergeError(`run ${runId} is shard ${ref.shard}/${ref.shards}, but campaign ${campaign.id} has ${campaign.shards} shards`);
    const suite = suites.get(manifest.suite.name);
    if (!suite) throw new MergeError(`run ${runId} ran suite ${manifest.suite.name}, which campaign ${campaign.id} does not hold`);
    if (suite.sha256 !== manifest.suite.sha256) throw new MergeError(`run ${runId} ran ${manifest.suite.name} with sha256 ${manifest.suite.sha256.slice(0, 12)}, the campaign planned ${suite.sha256.slice(0, 12)}: that shard ran another version of the suite; run it again at the campaign's commit`);
    for (const build of manifest.builds) agree(binaries, build.name, build.sha256, runId, 'build');
    const kernel = ref.kernel;
    const shardKey = `${groupKey(manifest.suite.name, kernel)}\u0000${ref.shard}`;
    const twin = shardRuns.get(shardKey);
    if (twin !== undefined) throw new MergeError(`shard ${ref.shard}/${ref.shards} of ${manifest.suite.name} ${where(kernel)} appears twice: runs ${twin} and ${runId}; give each shard's folder once (keep the run of the job that finished)`);
    shardRuns.set(shardKey, runId);
    const group = groups.get(groupKey(manifest.suite.name, kernel)) ?? { suite: manifest.suite.name, kernel, ranIn: undefined, runs: [], records: [] };
    groups.set(groupKey(manifest.suite.name, kernel), group);
    group.runs.push(run);
    for (const record of run.records) {
      const recordKernel = kernelOf(record);
      if (recordKernel) agree(kernels, recordKernel, record.host.kernelUnderTest!.sha256, runId, 'kernel');
      if (record.build.sha256 !== binaries.get(record.build.name)?.sha256) agree(binaries, record.build.name, record.build.sha256, runId, 'build');
      // A group planned for the host runs on its KVM or inside the nested fallback kernel: one of them, in every shard.
      group.ranIn ??= { kernel: recordKernel, runId };
      if (group.ranIn.kernel !== recordKernel) {
        throw new MergeError(`${record.suite.name} ${where(kernel)} ran ${where(group.ranIn.kernel)} in run ${group.ranIn.runId} and ${where(recordKernel)} in run ${runId}: cells of different environments do not merge; run every shard of a group on runners alike (all with a /dev/kvm that runs guests, or none)`);
      }
      const key = itemKey(record.suite.name, record.build.name, kernel, record.iteration);
      const item = items.get(key);
      const name = `${record.suite.name} ${record.build.name} ${where(kernel)} iteration ${record.iteration}`;
      if (!item) throw new MergeError(`run ${runId} holds ${name}, which campaign ${campaign.id} does not plan`);
      if (item.seed !== record.seed) throw new MergeError(`run ${runId}: ${name} ran with seed ${record.seed}, the campaign planned ${item.seed}`);
      if (ref.shard !== 0 && item.shard !== ref.shard) throw new MergeError(`run ${runId} (shard ${ref.shard}/${ref.shards}) holds ${name}, which the campaign gives to shard ${item.shard}`);
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new MergeError(`${name} is in two runs, ${earlier} and ${runId}: a shard was given twice`);
      seen.set(key, runId);
      group.records.push(record);
    }
  }
  const missingItems = campaign.items.filter((item) => !seen.has(itemKey(item.suite, item.build, item.kernel, item.iteration)));
  const missing = [...new Set(missingItems.map((item) => item.shard))].sort((a, b) => a - b).map((shard) => ({ shard, items: missingItems.filter((item) => item.shard === shard) }));
  for (const group of groups.values()) group.records.sort((a, b) => items.get(itemKey(a.suite.name, a.build.name, group.kernel, a.iteration))!.index - items.get(itemKey(b.suite.name, b.build.name, group.kernel, b.iteration))!.index);
  return { groups, missing };
}

/** The merged campaign written into `into`: `<campaign>-<suite>[-<kernel>]` runs, each with its records, manifest and flight files. */
export function mergeRuns(campaign: Campaign, runs: readonly StoredRun[], into: string): MergeResult {
  const { groups, missing } = planMerge(campaign, runs);
  fs.mkdirSync(into, { recursive: true });
  const merged: MergedRun[] = [];
  for (const group of groups.values()) {
    const runId = `${campaign.id}-${group.suite}${group.kernel ? `-${group.kernel}` : ''}`;
    const files = runFiles(runId, into);
    const planned = campaign.items.filter((item) => item.suite === group.suite && item.kernel === group.kernel);
    const records = group.records.map((record) => withRunId(record, runId, group.runs, files.flightDir));
    writeFileWhole(files.records, records.map((record) => JSON.stringify(record) + '\n').join(''));
    const manifests = group.runs.map((run) => run.manifest!);
    const complete = records.length === planned.length && manifests.every((manifest) => manifest.status === 'complete');
    writeManifest(files, mergedManifest(campaign, runId, manifests, planned, complete));
    merged.push({ runId, suite: group.suite, kernel: group.kernel, records: records.length, expected: planned.length });
  }
  return { runs: merged, missing };
}

function agree(seen: Map<string, { sha256: string; runId: string }>, name: string, sha256: string, runId: string, what: 'build' | 'kernel'): void {
  const first = seen.get(name);
  if (!first) {
    seen.set(name, { sha256, runId });
    return;
  }
  if (first.sha256 !== sha256) {
    throw new MergeError(`${what} ${name} differs between shards: run ${first.runId} used sha256 ${first.sha256.slice(0, 12)}, run ${runId} ${sha256.slice(0, 12)}; every shard must run the same ${what === 'build' ? 'QEMU binary (same source, patches and configure flags)' : 'kernel (same source, patches and config)'}`);
  }
}

/** The record under the merged run id, its flight files copied beside the merged records. */
function withRunId(record: IterationRecord, runId: string, runs: readonly StoredRun[], flightDir: string): IterationRecord {
  if (!record.flight) return { ...record, runId };
  const source = runs.find((run) => run.files.runId === record.runId)!;
  const moved = { ...record.flight };
  for (const field of ['qmp', 'command', 'console', 'output', 'registers', 'pages'] as const) {
    const file = record.flight[field];
    if (file === undefined) continue;
    const from = path.join(path.dirname(source.files.records), file);
    const name = path.basename(file);
    if (fs.existsSync(from)) {
      fs.mkdirSync(flightDir, { recursive: true });
      fs.copyFileSync(from, path.join(flightDir, name));
    }
    moved[field] = path.join(path.basename(flightDir), name);
  }
  return { ...record, runId, flight: moved };
}

function mergedManifest(campaign: Campaign, runId: string, manifests: readonly RunManifest[], planned: readonly CampaignItem[], complete: boolean): RunManifest {
  const { tornTails: _torn, ...first } = manifests[0]!;
  const builds = campaign.builds.flatMap((name) => manifests.flatMap((manifest) => manifest.builds).find((build) => build.name === name) ?? []);
  const ended = manifests.map((manifest) => manifest.endedAt);
  return {
    ...first,
    runId,
    builds,
    seed: campaign.seed,
    overrides: campaign.overrides,
    iterations: planned.length,
    startedAt: manifests.map((manifest) => manifest.startedAt).sort()[0]!,
    endedAt: ended.includes(null) ? null : (ended as string[]).sort().at(-1)!,
    status: complete ? 'complete' : 'interrupted',
    campaign: { id: campaign.id, shard: 0, shards: campaign.shards, kernel: planned[0]?.kernel ?? null, items: planned.map(itemKeyOf) },
  };
}
