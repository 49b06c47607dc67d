// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { RecordWriter, readRecordFile, readRecords, tornNotes } from '../../orchestrator/results/record-writer.js';
import { sampleRecord } from '../fixtures/records.js';

t.test('appends one JSON line per record and reads them back', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'nested', 'run.jsonl');
  const writer = new RecordWriter(file);
  writer.append(sampleRecord({ iteration: 0 }));
  t.equal(fs.readFileSync(file, 'utf8').split('\n').length, 2, 'on disk before the writer closes');
  writer.append(sampleRecord({ iteration: 1, outcome: 'survived' }));
  writer.close();
  const records = readRecords(file);
  t.same(records.map((r) => [r.iteration, r.outcome]), [[0, 'guest-lost'], [1, 'survived']]);
  const again = new RecordWriter(file);
  again.append(sampleRecord({ iteration: 2 }));
  again.close();
  t.equal(readRecords(file).length, 3, 'reopening appends, never truncates');
});

t.test('reading validates every record and names the line', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  const good = JSON.stringify(sampleRecord());
  fs.writeFileSync(file, `${good}\n${JSON.stringify({ ...sampleRecord(), outcome: 'exploded' })}\n`);
  t.throws(() => readRecords(file), { code: 'BAD_RECORDS', message: new RegExp(`${file}:2: field outcome`) });
  fs.writeFileSync(file, `${good}\n{not json\n`);
  t.throws(() => readRecords(file), { code: 'BAD_RECORDS', message: /:2: not JSON \(only an unterminated last line/ }, 'a terminated line was written whole: not JSON is an edit, not a tear');
  fs.writeFileSync(file, `{not json\n${good}\n`);
  t.throws(() => readRecords(file), { code: 'BAD_RECORDS', message: /:1: not JSON/ });
  fs.writeFileSync(file, `${good}\n${JSON.stringify({ ...sampleRecord(), schema: 'slotlab.iteration/0' })}\n`);
  t.throws(() => readRecords(file), { message: /:2: field schema/ }, 'unknown schema versions are refused');
});

t.test('a last line cut short by a crash is left out, not fatal', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  fs.writeFileSync(file, `${JSON.stringify(sampleRecord())}\n{"schema":"slotlab.itera`);
  const read = readRecordFile(file);
  t.equal(read.records.length, 1);
  t.equal(read.truncatedTail, true);
  t.same(read.torn, [{ line: 2, bytes: 24, followedByRecord: false }]);
  t.same(tornNotes(file, read.torn), [`${file}:2: torn last line (24 bytes of an interrupted write), left out`]);
  t.equal(readRecordFile(file).records[0]!.outcome, 'guest-lost');
});

t.test('a writer cuts a torn tail off before appending and keeps it in a side file', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  const first = JSON.stringify(sampleRecord({ iteration: 0 }));
  const fragment = JSON.stringify(sampleRecord({ iteration: 1 })).slice(0, 100);
  fs.writeFileSync(file, `${first}\n${fragment}`);
  const writer = new RecordWriter(file);
  t.ok(writer.tornTail, 'the tear is reported');
  t.equal(writer.tornTail!.bytes, 100);
  t.equal(fs.readFileSync(writer.tornTail!.savedTo, 'utf8'), fragment, 'the torn bytes are kept as they were');
  t.equal(path.dirname(writer.tornTail!.savedTo), dir);
  t.equal(fs.readFileSync(file, 'utf8'), `${first}\n`, 'cut back to the last complete line');
  writer.append(sampleRecord({ iteration: 2 }));
  writer.close();
  const read = readRecordFile(file);
  t.same(read.records.map((record) => record.iteration), [0, 2]);
  t.same(read.torn, []);
  const again = new RecordWriter(file);
  t.equal(again.tornTail, undefined, 'a clean file is left as it is');
  again.close();
});

t.test('a file with no complete line at all is cut to nothing', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  fs.writeFileSync(file, '{"schema":"slot');
  const writer = new RecordWriter(file);
  writer.close();
  t.equal(writer.tornTail?.bytes, 15);
  t.equal(fs.readFileSync(file, 'utf8'), '');
});

t.test('a record an older writer appended straight onto a fragment is read back', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  const fragment = JSON.stringify(sampleRecord({ iteration: 1 })).slice(0, 70);
  fs.writeFileSync(file, `${JSON.stringify(sampleRecord({ iteration: 0 }))}\n${fragment}${JSON.stringify(sampleRecord({ iteration: 1 }))}\n`);
  const read = readRecordFile(file);
  t.same(read.records.map((record) => record.iteration), [0, 1]);
  t.same(read.torn, [{ line: 2, bytes: 70, followedByRecord: true }]);
  t.match(tornNotes(file, read.torn)[0], /:2: torn record \(70 bytes of an interrupted write\) before a complete one/);
});

t.test('an exclusive writer refuses a file that exists', async (t) => {
  const dir = tempDir(t, 'slotlab-records-');
  const file = path.join(dir, 'run.jsonl');
  new RecordWriter(file, { exclusive: true }).close();
  t.throws(() => new RecordWriter(file, { exclusive: true }), { code: 'RUN_EXISTS', message: /already exists; a new run never writes into another run's file/ });
});
