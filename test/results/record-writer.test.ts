import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { RecordWriter, readRecords } from '../../orchestrator/results/record-writer.js';
import { sampleRecord } from '../fixtures/records.js';

t.test('appends one JSON line per record and reads them back', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-records-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
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
