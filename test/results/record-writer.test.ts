import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { RecordWriter, readRecordFile, readRecords } from '../../orchestrator/results/record-writer.js';
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
  t.throws(() => readRecords(file), { code: 'BAD_RECORDS', message: /:2: not JSON/ });
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
  t.equal(readRecordFile(file).records[0]!.outcome, 'guest-lost');
});
