// tier: nested
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readRecords } from '../../orchestrator/results/record-writer.js';
import { nestedFallback } from '../../orchestrator/nested/nested-fallback.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

// `slotlab run` inside a kernel under test: L1 under TCG with emulated SVM, the guest at L2.

// Where this host's KVM cannot run the spin guest, `slotlab run` goes inside debian-6.1 without being told.
const FALLBACK = nestedFallback('spin');

t.test('a run made inside a kernel under test (by itself on a host without KVM) resumes inside it, keeping what it has', async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const env = { SLOTLAB_RUNS_DIR: dir };
  const first = await slotlab(['run', 'pam-qmp', '--build', '7.2-stock', ...(FALLBACK ? [] : ['--kernel', 'debian-6.1']), '--repetitions', '1', '--mutations', '3', '--json'], { env });
  t.equal(first.exitCode, 0, String(first.stderr));
  if (FALLBACK) t.match(String(first.stderr), `slotlab: ${FALLBACK.why}; running pam-qmp inside kernel debian-6.1 (nested, L1 under TCG)`, 'chosen by itself');
  const runId = fs.readdirSync(dir).find((name) => name.endsWith('.manifest.json'))!.replace('.manifest.json', '');
  // As if stopped after its first of two iterations.
  const manifestFile = path.join(dir, `${runId}.manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, overrides: { ...manifest.overrides, repetitions: 2 }, iterations: 2, status: 'interrupted' }));
  const resumed = await slotlab(['run', '--resume', runId, '--json'], { env });
  t.equal(resumed.exitCode, 0, String(resumed.stderr));
  t.match(String(resumed.stderr), `slotlab: booting kernel debian-6.1 as L1 (TCG, emulated SVM) for the rest of run ${runId}`);
  const records = readRecords(path.join(dir, `${runId}.jsonl`));
  t.same(records.map((record) => [record.iteration, record.host.kernelUnderTest?.name]), [[0, 'debian-6.1'], [1, 'debian-6.1']]);
  t.equal(JSON.stringify(records[0]), String(first.stdout).trim(), 'the first iteration is kept as it was');
  t.equal(JSON.parse(fs.readFileSync(manifestFile, 'utf8')).status, 'complete');
});

t.test('a run that fails inside a kernel under test fails outside too, with the attempt kept', async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const file = path.join(dir, 'aborts.yaml');
  fs.writeFileSync(file, fs.readFileSync('suites/pam-qmp.yaml', 'utf8').replace('memoryMiB: 256', 'memoryMiB: 256\n  options: { no-such-property: "on" }'));
  const result = await slotlab(['run', file, '--build', '7.2-stock', '--kernel', 'debian-6.1', '--repetitions', '2', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 2, String(result.stderr));
  t.match(String(result.stderr), /L1\| .*no-such-property/);
  t.match(String(result.stderr), /slotlab: the run inside kernel debian-6\.1 failed \(exit 2; its error is in the L1\| lines above\); completed iterations were kept: slotlab run --resume \S+-pam-qmp-[0-9a-f]{4}$/);
  const records = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  t.same(records.map((record) => record.error?.code), ['QEMU_START_FAILED'], 'the failed attempt is kept and the run stops');
});
