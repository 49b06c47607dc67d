// tier: unit
import t from 'tap';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { guestStart } from '../../orchestrator/runner/run-plan.js';
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

t.test('which guests restore: the spin image and the Linux guest, unless the suite, --start, --image or an in-guest mutator says boot', async (t) => {
  const states = '/tmp/slotlab-states-not-written';
  const startOf = (suite: string, overrides: Parameters<typeof makePlan>[2] = {}) => guestStart(makePlan(loadSuite(suite), ['debian-7.2'], overrides, 1), { statesDir: states });
  const restore = startOf('pam-qmp');
  t.equal(restore.mode, 'restore', 'pam-qmp restores by default');
  t.equal(restore.mode === 'restore' && restore.states.root, states);
  t.equal(startOf('linux-hotplug').mode, 'restore', 'the Linux guest restores too');
  t.equal(startOf('pam-qmp', { start: 'boot' }).mode, 'boot', '--start boot');
  t.equal(startOf('pam-guest').mode, 'boot', 'pam-guest mutates from boot: always booted');
  t.equal(startOf('pam-guest', { start: 'restore' }).mode, 'boot', '... even when --start restore asks');
  t.equal(startOf('pam-qmp', { image: '/some/user.elf' }).mode, 'boot', "a user's image always boots");
});
