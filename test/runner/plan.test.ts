import t from 'tap';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';

const loaded = loadSuite('pam-qmp');

t.test('builds x repetitions, interleaved, with the suite limits', async (t) => {
  const plan = makePlan(loaded, ['a', 'b'], {}, 100);
  t.same(
    plan.items.map((item) => `${item.build}#${item.iteration}`),
    ['a#0', 'b#0', 'a#1', 'b#1', 'a#2', 'b#2'],
  );
  t.same(plan.items[0]!.limits, { mutations: 5000, durationSeconds: 30 });
  t.equal(new Set(plan.items.map((item) => item.seed)).size, 6, 'every item has its own seed');
  t.equal(plan.seed, 100);
});

t.test('overrides replace the suite values', async (t) => {
  const plan = makePlan(loaded, ['a'], { repetitions: 2, mutations: 10, durationSeconds: 1.5 });
  t.equal(plan.items.length, 2);
  t.same(plan.items[1]!.limits, { mutations: 10, durationSeconds: 1.5 });
});

t.test('no builds is a mistake', async (t) => {
  t.throws(() => makePlan(loaded, []));
});
