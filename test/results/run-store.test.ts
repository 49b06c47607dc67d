// tier: unit
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { configurePaths } from '../../orchestrator/paths.js';
import { MANIFEST_SCHEMA, type RunManifest } from '../../orchestrator/results/run-manifest.js';
import { RecordWriter } from '../../orchestrator/results/record-writer.js';
import { locateRun, readManifest, readRun, runFiles, setRunStatus, writeManifest } from '../../orchestrator/results/run-store.js';
import { sampleRecord } from '../fixtures/records.js';

function manifest(runId: string): RunManifest {
  return {
    schema: MANIFEST_SCHEMA,
    runId,
    suite: { name: 'pam-qmp', file: '/repo/suites/pam-qmp.yaml', sha256: 'a'.repeat(64) },
    expect: { stock: 'race' },
    safeBelow: 0.001,
    builds: [sampleRecord().build],
    host: { kernel: 'Linux 6.1', cpu: 'cpu', cpus: 2, memoryGiB: 24 },
    seed: 1,
    overrides: { mutations: 10 },
    iterations: 3,
    startedAt: '2026-11-25T00:00:00.000Z',
    endedAt: null,
    status: 'running',
  };
}

t.test('a run is found by id or by either of its files, with manifest and records', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-runs-'));
  const previous = configurePaths({ runs: dir });
  t.teardown(() => {
    configurePaths(previous);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const files = runFiles('r1');
  t.equal(path.dirname(files.records), dir, 'in the configured runs folder, not the repository\'s');
  writeManifest(files, manifest('r1'));
  const writer = new RecordWriter(files.records);
  writer.append(sampleRecord({ runId: 'r1' }));
  writer.close();
  t.same(locateRun('r1'), files);
  t.same(locateRun(files.records), files);
  t.same(locateRun(files.manifest), files);
  const run = readRun('r1');
  t.equal(run.manifest?.status, 'running');
  t.equal(run.records.length, 1);
  setRunStatus(files, 'interrupted');
  t.equal(readManifest(files)?.status, 'interrupted');
  t.ok(readManifest(files)?.endedAt);
  t.notOk(fs.existsSync(`${files.manifest}.tmp`), 'the temporary file was renamed');
  t.throws(() => locateRun('r2'), { code: 'RUN_NOT_FOUND' });
  fs.writeFileSync(files.manifest, JSON.stringify({ ...manifest('r1'), status: 'weird' }));
  t.throws(() => readManifest(files), { code: 'BAD_MANIFEST', message: /field status/ });
});
