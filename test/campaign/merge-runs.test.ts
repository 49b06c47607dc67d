// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { shardGroups, writeCampaign } from '../../orchestrator/campaign/campaign-file.js';
import type { Campaign } from '../../orchestrator/campaign/campaign-schema.js';
import { makeCampaign, repositoryPath } from '../../orchestrator/campaign/make-campaign.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { mergeRuns } from '../../orchestrator/campaign/merge-runs.js';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { RecordWriter } from '../../orchestrator/results/record-writer.js';
import { MANIFEST_SCHEMA, type RunManifest } from '../../orchestrator/results/run-manifest.js';
import { readRun, readRuns, runFiles, writeManifest } from '../../orchestrator/results/run-store.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { slotlab } from '../fixtures/cli.js';
import { fixedRecordSet } from '../fixtures/records.js';
import { tempDir } from '../fixtures/temp-dir.js';

const [stock, fixed] = [fixedRecordSet()[0]!, fixedRecordSet()[3]!];
const builds = { 'debian-7.2': stock.build, 'debian-bpo-10.0': fixed.build };

function campaignOf(shards: number): Campaign {
  return makeCampaign({ suites: [loadSuite('pam-qmp')], builds: Object.keys(builds), kernels: [], overrides: { repetitions: 3 }, seed: 40, shards, createdAt: '2026-12-06T00:00:00.000Z' });
}

/** The record each campaign item gets, as its shard would have written it: stock loses, the fixed build survives. */
function recordOf(campaign: Campaign, index: number, runId: string): IterationRecord {
  const item = campaign.items[index]!;
  const base = item.build === 'debian-7.2' ? stock : fixed;
  return { ...base, runId, suite: { name: 'pam-qmp', file: campaign.suites[0]!.file, sha256: campaign.suites[0]!.sha256 }, iteration: item.iteration, seed: item.seed, startedAt: `2026-12-06T00:00:0${index}.000Z` };
}

/** A shard's run folder: its records and manifest, as `slotlab run --campaign --shard` leaves them, and the campaign file beside them. */
function shardFolder(root: string, campaign: Campaign, shard: number, edit: (record: IterationRecord) => IterationRecord = (record) => record, runId = `run-shard-${shard}`): string {
  const dir = path.join(root, `shard-${shard}`);
  const files = runFiles(runId, dir);
  fs.mkdirSync(dir, { recursive: true });
  const mine = campaign.items.filter((item) => item.shard === shard);
  const writer = new RecordWriter(files.records);
  for (const item of mine) writer.append(edit(recordOf(campaign, item.index, runId)));
  writer.close();
  const manifest: RunManifest = {
    schema: MANIFEST_SCHEMA,
    runId,
    suite: { name: 'pam-qmp', file: campaign.suites[0]!.file, sha256: campaign.suites[0]!.sha256 },
    expect: {},
    safeBelow: 0.001,
    builds: Object.values(builds),
    host: stock.host,
    seed: campaign.seed,
    overrides: campaign.overrides,
    iterations: mine.length,
    startedAt: `2026-12-06T0${shard}:00:00.000Z`,
    endedAt: `2026-12-06T0${shard}:30:00.000Z`,
    status: 'complete',
    campaign: { id: campaign.id, shard, shards: campaign.shards, kernel: null, items: mine.map((item) => `${item.build}#${item.iteration}`) },
  };
  writeManifest(files, manifest);
  writeCampaign(path.join(dir, `${campaign.id}.campaign.json`), campaign);
  return dir;
}

t.test('three shards merge into the run the unsharded campaign makes: the same items, seeds, outcomes and cells', async (t) => {
  const root = tempDir(t);
  const campaign = campaignOf(3);
  const folders = [1, 2, 3].map((shard) => shardFolder(root, campaign, shard));
  const into = path.join(root, 'merged');
  const result = mergeRuns(campaign, folders.flatMap((folder) => readRuns(folder)), into);
  t.same(result.missing, []);
  t.same(result.runs, [{ runId: `${campaign.id}-pam-qmp`, suite: 'pam-qmp', kernel: null, records: 6, expected: 6 }]);
  const merged = readRun(path.join(into, `${campaign.id}-pam-qmp.jsonl`));
  const unsharded = campaign.items.map((item) => recordOf(campaign, item.index, `${campaign.id}-pam-qmp`));
  t.same(merged.records, unsharded, 'record for record, in the campaign order, under the merged run id');
  t.equal(merged.manifest?.status, 'complete');
  t.equal(merged.manifest?.iterations, 6);
  t.equal(merged.manifest?.startedAt, '2026-12-06T01:00:00.000Z');
  t.equal(merged.manifest?.endedAt, '2026-12-06T03:30:00.000Z');
  t.same(merged.manifest?.campaign, { id: campaign.id, shard: 0, shards: 3, kernel: null, items: ['debian-7.2#0', 'debian-bpo-10.0#0', 'debian-7.2#1', 'debian-bpo-10.0#1', 'debian-7.2#2', 'debian-bpo-10.0#2'] });
  const cells = (records: IterationRecord[]) => buildReport({ manifests: [], records, generatedAt: 'x' }).cells;
  t.same(cells(merged.records), cells(unsharded), 'the same statistics');
  t.same(cells(merged.records).map((cell) => [cell.build, cell.losses, cell.iterations]), [['debian-7.2', 3, 3], ['debian-bpo-10.0', 0, 3]]);
});

t.test('merge refuses what does not belong together, naming the conflict', async (t) => {
  const campaign = campaignOf(2);
  const cases: [string, (root: string) => string[], RegExp][] = [
    ['another campaign', (root) => [shardFolder(root, campaign, 1), shardFolder(path.join(root, 'b'), campaignOf(3), 2)], /run run-shard-2 belongs to campaign c-[0-9a-f]+, not c-[0-9a-f]+: merge the shards of one campaign at a time/],
    ['a shard twice', (root) => [shardFolder(root, campaign, 1), shardFolder(path.join(root, 'again'), campaign, 1, undefined, 'run-shard-1-again')], /shard 1\/2 of pam-qmp on the host appears twice: runs run-shard-1 and run-shard-1-again/],
    ['another seed', (root) => [shardFolder(root, campaign, 1, (record) => (record.iteration === 0 ? { ...record, seed: 999 } : record))], /pam-qmp debian-7\.2 on the host iteration 0 ran with seed 999, the campaign planned 40/],
    ['another binary', (root) => [shardFolder(root, campaign, 1), shardFolder(root, campaign, 2, (record) => ({ ...record, build: { ...record.build, sha256: 'f'.repeat(64) } }))], /build debian-(7\.2|bpo-10\.0) differs between shards: run run-shard-1 used sha256 [0-9a-f]{12}, run run-shard-2 ffffffffffff/],
    ['a host group run on KVM in one shard, nested in another', (root) => [shardFolder(root, campaign, 1), shardFolder(root, campaign, 2, (record) => ({ ...record, host: { ...record.host, kernelUnderTest: { name: 'debian-6.1', kind: 'debian-package', source: 'd', bzImage: '/b', sha256: '9'.repeat(64) } } }))], /pam-qmp on the host ran on the host in run run-shard-1 and inside debian-6.1 in run run-shard-2: cells of different environments do not merge/],
    ['another suite version', (root) => [shardFolder(root, { ...campaign, suites: [{ ...campaign.suites[0]!, sha256: 'e'.repeat(64) }] }, 1)], /ran pam-qmp with sha256 eeeeeeeeeeee, the campaign planned [0-9a-f]{12}: that shard ran another version of the suite/],
  ];
  for (const [what, folders, message] of cases) {
    const root = tempDir(t);
    t.throws(() => mergeRuns(campaign, folders(root).flatMap((folder) => readRuns(folder)), path.join(root, 'merged')), message, what);
  }
  const root = tempDir(t);
  const folder = shardFolder(root, campaign, 1);
  const plain = runFiles('plain', folder);
  fs.copyFileSync(runFiles('run-shard-1', folder).records, plain.records);
  t.throws(() => mergeRuns(campaign, readRuns(plain.records), path.join(root, 'm')), /run plain has no manifest beside its records .*keep the whole run folder as the job's artifact/);
});

t.test('slotlab merge: a missing shard is named (exit 1), the merged run reports like any run; bad input is one clear error', async (t) => {
  const root = tempDir(t);
  const campaign = campaignOf(3);
  const folders = [1, 3].map((shard) => shardFolder(root, campaign, shard));
  const into = path.join(root, 'merged');
  const result = await slotlab(['merge', ...folders, '--into', into]);
  t.equal(result.exitCode, 1, String(result.all));
  t.match(result.stdout, new RegExp(`^merged ${campaign.id}-pam-qmp: 4 of 6 iterations$`, 'm'));
  t.match(result.stderr, /shard 2\/3: 2 of 2 iterations missing \(run it again: slotlab run --campaign <file> --shard 2\/3\)/);
  t.equal(readRun(path.join(into, `${campaign.id}-pam-qmp.jsonl`)).manifest?.status, 'interrupted', 'an incomplete campaign is not complete');
  const report = await slotlab(['report', into, '--format', 'text']);
  t.equal(report.exitCode, 0, String(report.stderr));
  t.match(report.stdout, /pam-qmp \/ debian-7\.2\s+2\/2/, 'report reads the merged folder');
  const cases: [string[], RegExp][] = [
    [['merge', '--into', into], /merge needs the shards' run folders or record files/],
    [['merge', folders[0]!], /merge needs --into DIR/],
    [['merge', path.join(root, 'empty-does-not-exist'), '--into', into], /no run '.*empty-does-not-exist'/],
  ];
  for (const [args, message] of cases) {
    const bad = await slotlab(args);
    t.equal(bad.exitCode, 2, args.join(' '));
    t.match(bad.stderr, message);
  }
  fs.mkdirSync(path.join(root, 'empty'));
  const empty = await slotlab(['merge', path.join(root, 'empty'), '--into', into]);
  t.match(empty.stderr, /is a folder without runs/);
  const other = shardFolder(path.join(root, 'other'), campaignOf(2), 1);
  const mixed = await slotlab(['merge', folders[0]!, other, '--into', into]);
  t.equal(mixed.exitCode, 2);
  t.match(mixed.stderr, /the runs' folders hold several campaigns \(c-[0-9a-f]+, c-[0-9a-f]+\)/);
});

t.test('a group planned for the host that ran inside the nested fallback kernel in every shard merges under its planned name', async (t) => {
  const root = tempDir(t);
  const campaign = campaignOf(2);
  const nested = { name: 'debian-6.1', kind: 'debian-package' as const, source: 'd', bzImage: '/b', sha256: '9'.repeat(64) };
  const folders = [1, 2].map((shard) => shardFolder(root, campaign, shard, (record) => ({ ...record, host: { ...record.host, kernelUnderTest: nested } })));
  const result = mergeRuns(campaign, folders.flatMap((folder) => readRuns(folder)), path.join(root, 'merged'));
  t.same(result.runs.map((run) => [run.runId, run.kernel, run.records]), [[`${campaign.id}-pam-qmp`, null, 6]]);
  t.same(result.missing, []);
});

t.test("slotlab merge: a shard with no iterations (its folder holds only the campaign file) is complete, not 'a folder without runs'", async (t) => {
  const root = tempDir(t);
  const planned = campaignOf(3);
  // A campaign file planned before plan refused more shards than iterations: shard 2 has nothing to run.
  const campaign: Campaign = { ...planned, items: planned.items.map((item) => (item.shard === 2 ? { ...item, shard: 1 } : item)) };
  const folders = [1, 3].map((shard) => shardFolder(root, campaign, shard));
  const empty = path.join(root, 'shard-2');
  fs.mkdirSync(empty);
  writeCampaign(path.join(empty, `${campaign.id}.campaign.json`), campaign);
  const result = await slotlab(['merge', folders[0]!, empty, folders[1]!, '--into', path.join(root, 'merged')]);
  t.equal(result.exitCode, 0, String(result.all));
  t.match(result.stdout, new RegExp(`^merged ${campaign.id}-pam-qmp: 6 of 6 iterations$`, 'm'));
  t.equal(readRun(path.join(root, 'merged', `${campaign.id}-pam-qmp.jsonl`)).manifest?.status, 'complete');
});

t.test('a campaign names the suites of this repository by their path in it: a shard finds them in the checkout it runs from', async (t) => {
  const campaign = campaignOf(2);
  t.same(campaign.suites.map((suite) => suite.file), ['suites/pam-qmp.yaml'], 'relative to the repository, not where it was planned');
  // Another checkout: the suite file alone, in a folder of its own.
  const other = tempDir(t);
  fs.mkdirSync(path.join(other, 'suites'));
  fs.copyFileSync(path.join(repoRoot, 'suites', 'pam-qmp.yaml'), path.join(other, 'suites', 'pam-qmp.yaml'));
  const groups = shardGroups(campaign, 1, other);
  t.equal(groups[0]!.plan.loaded.file, path.join(other, 'suites', 'pam-qmp.yaml'), 'loaded from the checkout running the shard');
  fs.rmSync(path.join(other, 'suites', 'pam-qmp.yaml'));
  t.throws(() => shardGroups(campaign, 1, other), /pam-qmp\.yaml/, 'and only from there');
  t.equal(repositoryPath('/elsewhere/my-suite.yaml'), '/elsewhere/my-suite.yaml', "a user's suite outside the repository stays absolute");
});
