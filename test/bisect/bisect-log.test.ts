// tier: unit
import fs from 'node:fs';
import t from 'tap';
import { BISECT_LOG_SCHEMA, BisectLog, readBisectLog } from '../../orchestrator/bisect/bisect-log.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('a bisection log holds its start, each step as it happens, and the result', async (t) => {
  const dir = tempDir(t);
  const log = new BisectLog({ kind: 'qemu', suite: 'pam-qmp', subject: { src: '/src/qemu' }, terms: 'fixed', alpha: 0.01, calibrate: 10 }, dir);
  t.match(log.bisectId, /^\d{8}-\d{6}-qemu-pam-qmp-[0-9a-f]{4}$/);
  const candidate = { id: 'abc', label: 'abc subject' };
  log.step({ role: 'calibration', candidate, verdict: 'race', iterations: 10, losses: 10, clean: 0, errors: 0, runId: 'run-1' });
  t.equal(readBisectLog(log.file).length, 2, 'written at once, so an interrupted bisection keeps its steps');
  log.result({ terms: 'fixed', raceProbability: 0.69, cleanNeeded: 5, first: candidate, candidates: [candidate], evidence: [] });
  const lines = readBisectLog(log.file);
  t.same(lines.map((line) => line.type), ['start', 'step', 'result']);
  t.ok(lines.every((line) => line.schema === BISECT_LOG_SCHEMA && line.bisectId === log.bisectId && !Number.isNaN(Date.parse(line.at))));
  t.match(lines[1], { role: 'calibration', verdict: 'race', runId: 'run-1', candidate });
  t.notOk('evidence' in lines[2]!, 'the result does not repeat the steps');
  log.failed('boom');
  t.match(readBisectLog(log.file).at(-1), { type: 'failed', error: 'boom' });
  t.ok(fs.readFileSync(log.file, 'utf8').endsWith('\n'));
});
