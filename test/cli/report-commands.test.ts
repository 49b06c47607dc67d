// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { publishRuns } from '../../orchestrator/cli/report-commands.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { RecordWriter } from '../../orchestrator/results/record-writer.js';
import { readRun } from '../../orchestrator/results/run-store.js';
import { slotlab } from '../fixtures/cli.js';
import { fixedRecordSet } from '../fixtures/records.js';

function storeRun(dir: string, runId: string, records: IterationRecord[]): string {
  const file = path.join(dir, `${runId}.jsonl`);
  const writer = new RecordWriter(file);
  for (const record of records) writer.append({ ...record, runId });
  writer.close();
  return file;
}

t.test('report renders every format from stored runs', async (t) => {
  const dir = tempDir(t);
  storeRun(dir, 'run-a', fixedRecordSet());
  const env = { SLOTLAB_RUNS_DIR: dir };
  const expectations: [string, RegExp][] = [
    ['text', /pam-qmp \/ debian-7\.2\s+3\/3\s+race\s+race ok/],
    ['md', /^\| suite \| build \|/m],
    ['html', /^<!DOCTYPE html>/],
    ['junit', /<testsuites name="slotlab" tests="3" failures="1">/],
    ['tap', /^not ok 3 - /m],
    ['json', /"kind": "race"/],
  ];
  for (const [format, pattern] of expectations) {
    const result = await slotlab(['report', 'run-a', '--format', format], { env });
    t.equal(result.exitCode, 0, `${format}: ${result.stderr}`);
    t.match(result.stdout, pattern, format);
  }
  const out = path.join(dir, 'report.html');
  const written = await slotlab(['report', path.join(dir, 'run-a.jsonl'), '--format', 'html', '--output', out], { env });
  t.equal(written.exitCode, 0);
  t.match(fs.readFileSync(out, 'utf8'), /<svg class="chart"/);
});

t.test('report: bad input is one clear error', async (t) => {
  const dir = tempDir(t);
  storeRun(dir, 'run-a', fixedRecordSet());
  const env = { SLOTLAB_RUNS_DIR: dir };
  const cases: [string[], RegExp][] = [
    [['report'], /report needs at least one run/],
    [['report', 'run-a', '--format', 'pdf'], /unknown format 'pdf'/],
    [['report', 'nope'], /no run 'nope' in /],
  ];
  for (const [args, message] of cases) {
    const result = await slotlab(args, { env });
    t.equal(result.exitCode, 2);
    t.match(result.stderr, message);
  }
  fs.appendFileSync(path.join(dir, 'run-a.jsonl'), '{"half a record');
  const truncated = await slotlab(['report', 'run-a'], { env });
  t.equal(truncated.exitCode, 0, 'an interrupted last write does not stop a report');
  t.match(truncated.stderr, /run-a\.jsonl:\d+: torn last line \(15 bytes of an interrupted write\), left out/);
});

t.test('compare shows verdict flips and latency ratios', async (t) => {
  const dir = tempDir(t);
  const before = fixedRecordSet();
  storeRun(dir, 'before', before);
  const after = before.map((record) =>
    record.build.name === 'debian-7.2'
      ? { ...record, outcome: 'survived' as const, stopReason: 'mutations', failure: null, timeToFailureMs: null, mutationsApplied: 5000, latencyHistogram: { '91': 5000 } }
      : record,
  );
  storeRun(dir, 'after', after);
  const result = await slotlab(['compare', 'before', 'after'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, result.stderr as string);
  t.match(result.stdout, /pam-qmp \/ debian-7\.2\s+race -> safe  CHANGED\s+3\/3 -> 0\/3\s+1\.2 ms -> 2\.\d ms\s+x2\.\d+ \[/);
  t.match(result.stdout, /pam-qmp \/ debian-bpo-10\.0\s+safe -> safe\s+0\/3 -> 0\/3\s+1\.4 ms -> 1\.4 ms\s+x1\.00 \[1\.00, 1\.00\]/);
  t.match(result.stdout, /1 verdict change\(s\)\./);
  const wrong = await slotlab(['compare', 'before'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(wrong.exitCode, 2);
  t.match(wrong.stderr, /compare needs exactly two runs/);
});

t.test('compare takes several runs on each side (a catalogue against itself)', async (t) => {
  const dir = tempDir(t);
  const records = fixedRecordSet();
  const other = records.map((record) => ({ ...record, suite: { ...record.suite, name: 'pam-other' } }));
  storeRun(dir, 'a1', records);
  storeRun(dir, 'a2', other);
  storeRun(dir, 'b1', records);
  storeRun(dir, 'b2', other);
  const result = await slotlab(['compare', 'a1,a2', 'b1,b2'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, result.stderr as string);
  t.match(result.stdout, /^before: a1, a2\nafter:  b1, b2\n/);
  t.match(result.stdout, /pam-qmp \/ debian-7\.2\s+race -> race\s+3\/3 -> 3\/3/);
  t.match(result.stdout, /pam-other \/ debian-7\.2\s+race -> race\s+3\/3 -> 3\/3/);
  t.match(result.stdout, /0 verdict change\(s\)\./);
});

t.test('publish --from publishes stored runs without running anything', async (t) => {
  const dir = tempDir(t);
  storeRun(dir, 'run-p', fixedRecordSet());
  const into = path.join(dir, 'published');
  const result = await slotlab(['publish', '--from', 'run-p', '--into', into, '--as', 'catalogue'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, String(result.stderr));
  t.match(result.stdout, new RegExp(`wrote ${into}/catalogue\\.md\\n`));
  t.match(fs.readFileSync(path.join(into, 'catalogue.md'), 'utf8'), /^\| pam-qmp \| debian-7\.2 \|/m);
  t.ok(fs.existsSync(path.join(into, 'pam-qmp.jsonl')));
  const bad = await slotlab(['publish', '--from', 'run-p', '--as', 'Bad Name'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.match(bad.stderr, /--as needs a file stem/);
});

t.test('publish --layout grid --notes: a row per build, a column per suite, the notes under it; bad values refused', async (t) => {
  const dir = tempDir(t);
  storeRun(dir, 'run-g', fixedRecordSet());
  const notes = path.join(dir, 'notes.md');
  fs.writeFileSync(notes, 'What the table shows.\n');
  const into = path.join(dir, 'published');
  const result = await slotlab(['publish', '--from', 'run-g', '--into', into, '--as', 'design-space', '--layout', 'grid', '--notes', notes], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, String(result.stderr));
  const md = fs.readFileSync(path.join(into, 'design-space.md'), 'utf8');
  t.match(md, /^\| combination \| family \| pam-qmp \|/m);
  t.match(md, /^\| debian-7\.2 \| stock \| race: lost 3\/3 /m);
  t.match(md, /\n\nWhat the table shows\.\n/);
  t.match(fs.readFileSync(path.join(into, 'design-space.html'), 'utf8'), /<p>What the table shows\.<\/p>/);
  t.ok(fs.existsSync(path.join(into, 'pam-qmp.jsonl')), 'the records beside it');
  const env = { env: { SLOTLAB_RUNS_DIR: dir } };
  t.match((await slotlab(['publish', '--from', 'run-g', '--layout', 'rows'], env)).stderr, /--layout is cells .* or grid .*, not 'rows'/);
  t.match((await slotlab(['publish', '--layout', 'grid'], env)).stderr, /--layout and --notes shape a table of stored runs: use them with --from/);
  t.match((await slotlab(['publish', '--from', 'run-g', '--notes', path.join(dir, 'missing.md')], env)).stderr, /--notes .*missing\.md: ENOENT; give a text file/);
});

t.test('publishing writes Markdown, HTML and the records, stating machine, date and builds', async (t) => {
  const dir = tempDir(t);
  const pam = storeRun(dir, 'run-p', fixedRecordSet());
  const idle = storeRun(dir, 'run-i', fixedRecordSet().map((record) => ({ ...record, suite: { ...record.suite, name: 'control-idle' } })));
  const written = publishRuns([readRun(pam), readRun(idle)], path.join(dir, 'published'));
  t.same(written.map((name) => path.basename(name)), ['default-matrix.md', 'default-matrix.html', 'pam-qmp.jsonl', 'control-idle.jsonl']);
  const markdown = fs.readFileSync(written[0]!, 'utf8');
  t.match(markdown, /^# slotlab pam-qmp, control-idle on debian-7\.2, debian-bpo-10\.0, patched-.*; Test CPU \(2 CPUs, 24 GiB\), Linux 6\.1\.0, 2026-11-25$/m);
  t.equal(fs.readFileSync(written[2]!, 'utf8'), fs.readFileSync(pam, 'utf8'));
  t.equal(markdown.split('\n').filter((line) => line.startsWith('| control-idle')).length, 3, 'both suites in one table');
});

t.test('runs inside kernels under test: cells per build and kernel, files per run id, kernels in the title', async (t) => {
  const dir = tempDir(t);
  const kernel = (name: string) => ({ name, kind: 'source-build' as const, source: 'Debian linux-source-6.1 6.1.176-1', bzImage: `/k/${name}`, sha256: '0'.repeat(64) });
  const under = (name: string) => fixedRecordSet().map((record) => ({ ...record, runId: `run-${name}`, host: { ...record.host, kernelUnderTest: kernel(name) } }));
  const a = storeRun(dir, 'run-a', under('6.1-atomic-ioctl'));
  const b = storeRun(dir, 'run-b', under('6.1-stock'));
  const written = publishRuns([readRun(a), readRun(b)], path.join(dir, 'published'), 'kernel-matrix');
  t.same(written.map((name) => path.basename(name)), ['kernel-matrix.md', 'kernel-matrix.html', 'run-a.jsonl', 'run-b.jsonl']);
  const markdown = fs.readFileSync(written[0]!, 'utf8');
  t.match(markdown, /^# slotlab pam-qmp on .* inside kernels 6\.1-atomic-ioctl, 6\.1-stock \(L1 under TCG\);/m);
  t.match(markdown, /^\| pam-qmp \| debian-7\.2 @ 6\.1-atomic-ioctl \|/m);
  t.match(markdown, /^\| pam-qmp \| debian-7\.2 @ 6\.1-stock \|/m);
  const host = storeRun(dir, 'run-h', fixedRecordSet().map((record) => ({ ...record, runId: 'run-h', suite: { ...record.suite, name: 'control-idle' } })));
  const mixed = fs.readFileSync(publishRuns([readRun(host), readRun(a)], path.join(dir, 'mixed'), 'catalogue')[0]!, 'utf8');
  t.match(mixed, /^# slotlab control-idle, pam-qmp on .* \(cells "&lt;build> @ &lt;kernel>" inside kernels 6\.1-atomic-ioctl, L1 under TCG\); Test CPU/m, 'host runs and nested runs in one table: the title says which cells are nested (its angle brackets shown, not taken for HTML)');
  t.match(mixed, /^\| control-idle \| debian-7\.2 \|/m);
});

t.test('republishing from the published files rewrites the tables and leaves the records intact, dated by the latest run', async (t) => {
  const dir = tempDir(t);
  const late = fixedRecordSet().map((record) => ({ ...record, startedAt: '2026-11-28T07:52:13.498Z' }));
  const pam = storeRun(dir, 'run-p', late);
  const idle = storeRun(dir, 'run-i', fixedRecordSet().map((record) => ({ ...record, suite: { ...record.suite, name: 'control-idle' } })));
  const into = path.join(dir, 'published');
  const first = publishRuns([readRun(pam), readRun(idle)], into, 'catalogue');
  const records = fs.readFileSync(first[2]!, 'utf8');
  const again = publishRuns([readRun(first[2]!), readRun(first[3]!)], into, 'catalogue');
  t.same(again, first);
  t.equal(fs.readFileSync(again[2]!, 'utf8'), records, 'records copied onto themselves are not truncated');
  t.match(fs.readFileSync(again[0]!, 'utf8'), /Generated 2026-11-28T07:52:13\.498Z\./, 'the latest run dates the table, not the last one listed');
});
