// tier: unit
import t from 'tap';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { MANIFEST_SCHEMA, type RunManifest } from '../../orchestrator/results/run-manifest.js';
import { fixedRecordSet } from '../fixtures/records.js';

t.test('runs come from manifests where there are some, and the suite threshold is used', async (t) => {
  const records = fixedRecordSet();
  const manifest: RunManifest = {
    schema: MANIFEST_SCHEMA,
    runId: records[0]!.runId,
    suite: records[0]!.suite,
    expect: {},
    safeBelow: 1e-6,
    builds: [],
    host: { kernel: 'Linux 9.9', cpu: 'Big CPU', cpus: 64, memoryGiB: 512 },
    seed: 1,
    overrides: {},
    iterations: 8,
    startedAt: '2026-11-25T01:00:00.000Z',
    endedAt: '2026-11-25T02:00:00.000Z',
    status: 'complete',
  };
  const model = buildReport({ manifests: [manifest], records });
  t.same(model.runs, [{ runId: records[0]!.runId, suite: 'pam-qmp', startedAt: manifest.startedAt, endedAt: manifest.endedAt, status: 'complete', host: manifest.host }]);
  t.equal(model.cells[1]!.verdict.kind, 'inconclusive', 'a stricter threshold from the manifest');
  t.equal(buildReport({ manifests: [], records }).cells[1]!.verdict.kind, 'safe', 'default threshold without a manifest');
  t.equal(model.title, 'slotlab: pam-qmp');
});
