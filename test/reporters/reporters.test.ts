// tier: unit
import t from 'tap';
import { jsonReporter } from '../../orchestrator/reporters/json-reporter.js';
import { notesReporter } from '../../orchestrator/reporters/notes-reporter.js';
import { progressReporter } from '../../orchestrator/reporters/progress-reporter.js';
import { REPORTER_NAMES, liveReporter } from '../../orchestrator/reporters/registry.js';
import { combineReporters } from '../../orchestrator/reporters/reporter.js';
import { tableReporter } from '../../orchestrator/reporters/table-reporter.js';
import { runFiles } from '../../orchestrator/results/run-store.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';

/** A stream that keeps what is written to it (no terminal: progress is not drawn). */
function collector() {
  const chunks: string[] = [];
  return { stream: { write: (chunk: string) => (chunks.push(chunk), true), isTTY: false } as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

const files = runFiles('run-x', '/runs');
const items = [0, 1].map((iteration) => ({ build: 'debian-7.2', iteration, seed: iteration, limits: { mutations: 10, durationSeconds: 1 } }));

t.test('json: every record of the run, one line each, at the end', async (t) => {
  const out = collector();
  const records = fixedRecordSet();
  jsonReporter(out.stream).runEnded!({ files, manifest: undefined, records });
  const lines = out.text().trim().split('\n');
  t.equal(lines.length, records.length);
  t.same(JSON.parse(lines[0]!), records[0]);
});

t.test('table: the per-iteration table, the verdicts and where the records are', async (t) => {
  const out = collector();
  tableReporter(out.stream).runEnded!({ files, manifest: undefined, records: fixedRecordSet(), kernel: { name: '6.1-stock', release: '6.1.0', listIoctl: 0 } });
  t.match(out.text(), /^build\s+iter\s+mutations\s+outcome/);
  t.match(out.text(), /pam-qmp on debian-7\.2 \(stock\)/);
  t.match(out.text(), /kernel under test: 6\.1-stock \(6\.1\.0\), KVM_CAP_USER_MEMORY_REGION_LIST = 0\nrecords: \/runs\/run-x\.jsonl\n$/);
});

t.test('progress: says where the records go and how much is left', async (t) => {
  const out = collector();
  const reporter = progressReporter(out.stream);
  reporter.runStarted!({ files, suite: 'pam-qmp', items, remaining: items.slice(1), previous: [sampleRecord()] });
  reporter.iteration!(sampleRecord({ iteration: 1 }), 2, 2);
  t.equal(out.text(), 'slotlab: 1 of 2 iterations of pam-qmp to run; records -> /runs/run-x.jsonl\npam-qmp x debian-7.2: 2/2 iterations, 2 lost\n', 'off a terminal: a line for the iteration that ended, none for the one a resumed run had');
});

t.test('notes: boot retries and notices on stderr', async (t) => {
  const out = collector();
  const reporter = notesReporter(out.stream);
  reporter.bootRetry!(sampleRecord({ iteration: 3, error: { code: 'GUEST_BOOT_LOST', message: 'QEMU ran the guest, and exited.\nmore' } }), 2, 3);
  reporter.notice!('cut off a torn last line');
  t.equal(out.text(), 'slotlab: debian-7.2 #3: QEMU ran the guest, and exited; booting it again (attempt 2 of 3)\nslotlab: cut off a torn last line\n');
});

t.test('combined reporters each hear every event; the registry names the choices', async (t) => {
  const heard: string[] = [];
  const combined = combineReporters({ notice: (message) => heard.push(`a ${message}`) }, { notice: (message) => heard.push(`b ${message}`), iteration: () => heard.push('b iteration') });
  combined.notice!('x');
  combined.iteration!(sampleRecord(), 1, 1);
  combined.runEnded!({ files, manifest: undefined, records: [] });
  t.same(heard, ['a x', 'b x', 'b iteration']);
  t.same(REPORTER_NAMES, ['table', 'json', 'progress']);
  for (const name of REPORTER_NAMES) t.type(liveReporter(name).runStarted, 'function');
});
