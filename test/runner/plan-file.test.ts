// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { planToFile, readPlanFile, writePlanFile } from '../../orchestrator/runner/plan-file.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('a plan written and read back is the same plan', async (t) => {
  const dir = tempDir(t, 'slotlab-plan-');
  const plan = makePlan(loadSuite('pam-qmp'), ['7.2-stock', 'debian-7.2'], { repetitions: 2, mutations: 30, untilLost: true }, 9);
  writePlanFile(path.join(dir, 'plan.json'), plan);
  const read = readPlanFile(path.join(dir, 'plan.json'));
  t.same(planToFile(read), planToFile(plan));
  t.equal(read.items.length, 4);
  t.equal(read.loaded.suite.name, 'pam-qmp');
});

t.test('a plan file that is broken, or whose suite changed, is refused with what to do', async (t) => {
  const dir = tempDir(t, 'slotlab-plan-');
  const file = path.join(dir, 'plan.json');
  fs.writeFileSync(file, '{');
  t.throws(() => readPlanFile(file), { code: 'BAD_PLAN', message: /not readable as JSON.*start the run again/ });
  const suite = path.join(dir, 'mine.yaml');
  fs.copyFileSync('suites/pam-qmp.yaml', suite);
  writePlanFile(file, makePlan(loadSuite(suite), ['debian-7.2'], {}, 1));
  fs.appendFileSync(suite, '# edited\n');
  t.throws(() => readPlanFile(file), { code: 'BAD_PLAN', message: /mine\.yaml changed since the plan was made/ });
  fs.writeFileSync(file, JSON.stringify({ ...planToFile(makePlan(loadSuite('pam-qmp'), ['debian-7.2'], {}, 1)), seed: 'x' }));
  t.throws(() => readPlanFile(file), { code: 'BAD_PLAN', message: /field seed/ });
});

t.test('run --plan takes nothing else that would make a plan', async (t) => {
  const result = await slotlab(['run', '--plan', '/nonexistent/plan.json', 'pam-qmp']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /--plan takes the whole plan from its file/);
});
