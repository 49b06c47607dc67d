// tier: host
/*
 * `slotlab run --jobs 2` on one-vCPU guests against the same plan run one iteration at a time:
 * the same records (items, seeds, cells, outcomes of a deterministic race), and iterations of
 * different cells that overlapped in time. Where /dev/kvm cannot run the guest, both runs go
 * inside the nested fallback kernel (L1 under TCG, 2 CPUs), and the jobs share L1's CPUs.
 */
import path from 'node:path';
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readRuns } from '../../orchestrator/results/run-store.js';
import { failure, slotlab } from '../fixtures/cli.js';
import { acceptFinding } from '../fixtures/findings.js';
import { tempDir } from '../fixtures/temp-dir.js';

const RUN = ['run', 'pam-qmp', '--build', '7.2-stock', '--build', '7.2-paused-vcpu', '--cpus', '1', '--repetitions', '2', '--mutations', '200', '--seed', '21', '--json'];

t.test('--jobs 2 on one-vCPU guests: the records of a sequential run, with iterations of different cells at once', async (t) => {
  const dir = tempDir(t, 'slotlab-jobs-');
  const sequential = await slotlab(RUN, { env: { SLOTLAB_RUNS_DIR: path.join(dir, 'one') } });
  t.equal(sequential.exitCode, 0, failure('the sequential run', sequential));
  const parallel = await slotlab([...RUN, '--jobs', '2'], { env: { SLOTLAB_RUNS_DIR: path.join(dir, 'two') } });
  t.equal(parallel.exitCode, 0, failure('the run with --jobs 2', parallel));
  const [one] = readRuns(path.join(dir, 'one'));
  const [two] = readRuns(path.join(dir, 'two'));
  const key = (record: IterationRecord) => `${record.build.name}#${record.iteration}@${record.seed}`;
  const byKey = (records: IterationRecord[]) => new Map(records.map((record) => [key(record), record]));
  t.same([...byKey(two!.records).keys()].sort(), ['7.2-paused-vcpu#0@22', '7.2-paused-vcpu#1@24', '7.2-stock#0@21', '7.2-stock#1@23']);
  t.same([...byKey(one!.records).keys()].sort(), [...byKey(two!.records).keys()].sort(), 'the same items and seeds');
  const hung = (records: IterationRecord[]) => records.filter((record) => record.outcome === 'error');
  acceptFinding(t, 'l2-boot-hang', hung(one!.records), one!.records.length, 'the sequential run');
  acceptFinding(t, 'l2-boot-hang', hung(two!.records), two!.records.length, 'the run with --jobs 2');
  for (const [name, record] of byKey(two!.records)) {
    const twin = byKey(one!.records).get(name)!;
    t.equal(record.vcpus, 1);
    t.same([record.family, record.expected, record.host.kernelUnderTest?.name], [twin.family, twin.expected, twin.host.kernelUnderTest?.name], `${name}: the same cell`);
    if (record.outcome === 'error' || twin.outcome === 'error') continue; // finding l2-boot-hang, accepted above within its bound
    t.equal(record.outcome, twin.outcome, `${name}: the same outcome`);
    t.equal(record.outcome, record.build.name === '7.2-stock' ? 'guest-lost' : 'survived', `${name}: stock loses the guest, paused-vcpu keeps it`);
  }
  const span = (record: IterationRecord) => [Date.parse(record.startedAt), Date.parse(record.startedAt) + record.durationMs] as const;
  const overlapped = two!.records.some((a) => two!.records.some((b) => a.build.name !== b.build.name && span(a)[0] < span(b)[1] && span(b)[0] < span(a)[1]));
  t.ok(overlapped, 'iterations of the two builds ran at the same time');
  const sameCellOverlap = two!.records.some((a) => two!.records.some((b) => a !== b && a.build.name === b.build.name && span(a)[0] < span(b)[1] && span(b)[0] < span(a)[1]));
  t.notOk(sameCellOverlap, 'never two iterations of one cell at once');
});

t.test('--jobs refuses more vCPUs than CPUs before anything runs', async (t) => {
  const result = await slotlab(['run', 'pam-qmp', '--build', '7.2-stock', '--cpus', '2', '--jobs', '64'], { env: { SLOTLAB_RUNS_DIR: tempDir(t) } });
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /--jobs 64 runs 64 guests of 2 vCPU\(s\) at once, each vCPU on a CPU of its own: that needs 128 CPUs/);
  const zero = await slotlab(['run', 'pam-qmp', '--build', '7.2-stock', '--jobs', '0']);
  t.match(zero.stderr, /--jobs needs a positive integer, not '0'/);
});
