// tier: unit
import t from 'tap';
import { DEFAULT_COST_S, MEASURED_COST_S, hostTierFiles, hostTierTurn, parseBudgetMinutes } from './fixtures/host-tier-turn.js';

const costs = { a: 100, b: 300, c: 50, d: 1000 };
const files = ['a', 'b', 'c', 'd'];

t.test('without a budget every file runs, in order from its turn', async (t) => {
  t.same(hostTierTurn(files, Infinity, 0, costs), { run: ['a', 'b', 'c', 'd'], left: [] });
  t.same(hostTierTurn(files, Infinity, 6, costs).run, ['c', 'd', 'a', 'b'], 'turn 6 of 4 files starts at the third');
  t.same(hostTierTurn(files, Infinity, -1, costs).run, ['d', 'a', 'b', 'c'], 'a negative turn wraps too');
});

t.test('a budget takes each file whose cost still fits, in turn order; the others wait, with their cost', async (t) => {
  t.same(hostTierTurn(files, 400, 0, costs), { run: ['a', 'b'], left: [{ file: 'c', costS: 50 }, { file: 'd', costS: 1000 }] });
  t.same(hostTierTurn(files, 400, 1, costs), { run: ['b', 'c'], left: [{ file: 'd', costS: 1000 }, { file: 'a', costS: 100 }] }, 'a cheaper file after one that does not fit is still taken');
  t.same(hostTierTurn(files, 999, 3, costs).run, ['a', 'b', 'c'], 'a file costing more than the budget never runs under it');
  t.same(hostTierTurn(['x'], 10, 0, costs), { run: [], left: [{ file: 'x', costS: DEFAULT_COST_S }] }, 'an unmeasured file costs the default');
  t.same(hostTierTurn([], 10, 5, costs), { run: [], left: [] });
});

t.test('over as many turns as there are files, every file that fits the budget alone gets to run', async (t) => {
  const hostTier = hostTierFiles();
  const budget = 15 * 60;
  const ran = new Set(hostTier.flatMap((_, turn) => hostTierTurn(hostTier, budget, turn).run));
  t.same(hostTier.filter((file) => !ran.has(file) && (MEASURED_COST_S[file] ?? DEFAULT_COST_S) <= budget), []);
});

t.test('every host-tier file has a measured cost, and every measured file is a host-tier file', async (t) => {
  const hostTier = hostTierFiles();
  t.same(hostTier.filter((file) => !(file in MEASURED_COST_S)), []);
  t.same(Object.keys(MEASURED_COST_S).filter((file) => !hostTier.includes(file)), []);
});

t.test('the budget variable: unset is no limit, a positive number is minutes, anything else one clear error', async (t) => {
  t.equal(parseBudgetMinutes(undefined), Infinity);
  t.equal(parseBudgetMinutes(''), Infinity);
  t.equal(parseBudgetMinutes('15'), 15);
  t.equal(parseBudgetMinutes('2.5'), 2.5);
  for (const bad of ['0', '-3', 'abc', 'Infinity']) t.throws(() => parseBudgetMinutes(bad), /give a positive number of minutes, or unset it/, bad);
});
