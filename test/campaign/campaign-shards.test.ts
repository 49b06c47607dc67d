// tier: host
/*
 * A small campaign end to end on real QEMU: planned into 3 shards, each shard run by its own
 * slotlab process into its own runs folder (as 3 CI jobs would), merged, and compared with the
 * same campaign run unsharded. Where this host's /dev/kvm cannot run the guest, every run goes
 * inside the nested fallback kernel (L1 under TCG), and the shards run one after the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readRun, readRuns } from '../../orchestrator/results/run-store.js';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { failure, slotlab } from '../fixtures/cli.js';
import { acceptFinding } from '../fixtures/findings.js';
import { kvmRunsGuest } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

const BUILDS = ['7.2-stock', '7.2-paused-vcpu'];

t.test('3 shards in 3 processes, merged, equal the unsharded run item for item: items, seeds, cells, and the outcomes of a deterministic race', async (t) => {
  const dir = tempDir(t, 'slotlab-campaign-');
  const planned = await slotlab(['plan', 'pam-qmp', ...BUILDS.flatMap((build) => ['--build', build]), '--repetitions', '2', '--mutations', '200', '--shards', '3', '--seed', '11', '--output', dir]);
  t.equal(planned.exitCode, 0, failure('plan', planned));
  const campaign = path.join(dir, fs.readdirSync(dir).find((name) => name.endsWith('.campaign.json'))!);
  const shardDir = (shard: number) => path.join(dir, `shard-${shard}`);
  const runShard = (shard: number) => slotlab(['run', '--campaign', campaign, '--shard', `${shard}/3`, '--reporter', 'json'], { env: { SLOTLAB_RUNS_DIR: shardDir(shard) } });
  const shards = (await kvmRunsGuest()) ? await Promise.all([1, 2, 3].map(runShard)) : [await runShard(1), await runShard(2), await runShard(3)];
  shards.forEach((result, index) => t.equal(result.exitCode, 0, failure(`shard ${index + 1}/3`, result)));
  const whole = await slotlab(['run', '--campaign', campaign, '--reporter', 'json'], { env: { SLOTLAB_RUNS_DIR: path.join(dir, 'unsharded') } });
  t.equal(whole.exitCode, 0, failure('the unsharded run', whole));

  const merged = await slotlab(['merge', shardDir(1), shardDir(2), shardDir(3), '--into', path.join(dir, 'merged')]);
  t.equal(merged.exitCode, 0, failure('merge', merged));
  t.match(merged.stdout, /^merged c-[0-9a-f]{16}-pam-qmp: 4 of 4 iterations$/m);

  const [mergedRun] = readRuns(path.join(dir, 'merged'));
  const [unshardedRun] = readRuns(path.join(dir, 'unsharded'));
  t.equal(mergedRun!.manifest?.status, 'complete');
  t.equal(unshardedRun!.manifest?.campaign?.shard, 0, 'the unsharded run is the whole campaign');
  const key = (record: IterationRecord) => `${record.build.name}#${record.iteration}@${record.seed}`;
  // The four items, each with the seed `slotlab run --seed 11` gives it (builds interleaved).
  t.same(mergedRun!.records.map(key), ['7.2-stock#0@11', '7.2-paused-vcpu#0@12', '7.2-stock#1@13', '7.2-paused-vcpu#1@14']);
  t.same(unshardedRun!.records.map(key), mergedRun!.records.map(key), 'the same items in the same order with the same seeds');
  const cells = (records: IterationRecord[]) => buildReport({ manifests: [], records, generatedAt: 'x' }).cells.map((cell) => `${cell.suite}/${cell.build}/${cell.family}`);
  t.same(cells(mergedRun!.records), cells(unshardedRun!.records), 'the same cells');
  // An L2 boot that hangs before mutating (an error record) is accepted only as finding l2-boot-hang; outcomes are compared where both ran.
  for (const run of [mergedRun!, unshardedRun!]) acceptFinding(t, 'l2-boot-hang', run.records.filter((record) => record.outcome === 'error'), run.records.length, run.files.runId);
  mergedRun!.records.forEach((record, index) => {
    const twin = unshardedRun!.records[index]!;
    if (record.outcome === 'error' || twin.outcome === 'error') return;
    t.equal(record.outcome, twin.outcome, `${key(record)}: the same outcome sharded and unsharded`);
    t.equal(record.outcome, record.build.name === '7.2-stock' ? 'guest-lost' : 'survived', `${key(record)}: stock loses the guest, paused-vcpu keeps it`);
  });
  t.ok(mergedRun!.records.filter((record) => record.outcome !== 'error').length >= 3, 'most iterations ran');
  const allRan = [...mergedRun!.records, ...unshardedRun!.records].every((record) => record.outcome !== 'error');
  const stats = (records: IterationRecord[]) => buildReport({ manifests: [], records, generatedAt: 'x' }).cells.map((cell) => [cell.build, cell.iterations, cell.losses, cell.verdict.kind]);
  if (allRan) t.same(stats(mergedRun!.records), stats(unshardedRun!.records), 'the same statistics per cell: iterations, losses, verdict');
  const flights = mergedRun!.records.filter((record) => record.flight);
  for (const record of flights) t.ok(fs.existsSync(path.join(dir, 'merged', record.flight!.qmp)), `${key(record)}: its flight files moved with it`);
  t.ok(readRun(path.join(dir, 'merged', `${mergedRun!.files.runId}.jsonl`)).records.length === 4);
});
