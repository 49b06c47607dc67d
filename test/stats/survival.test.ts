// tier: unit
import t from 'tap';
import { kaplanMeier, survivalQuantile } from '../../orchestrator/stats/survival.js';

t.test('Kaplan-Meier by hand', async (t) => {
  // Lost at 2, 3, 3; censored at 4 and 10; lost at 6.
  const steps = kaplanMeier([
    { at: 3, lost: true },
    { at: 2, lost: true },
    { at: 10, lost: false },
    { at: 3, lost: true },
    { at: 4, lost: false },
    { at: 6, lost: true },
  ]);
  // At 2: 6 at risk, 1 lost -> 5/6. At 3: 5 at risk, 2 lost -> 5/6 * 3/5 = 1/2. Censored at 4.
  // At 6: 2 at risk, 1 lost -> 1/2 * 1/2 = 1/4.
  t.same(
    steps.map((step) => [step.at, Number(step.surviving.toFixed(6))]),
    [[0, 1], [2, 0.833333], [3, 0.5], [6, 0.25]],
  );
  t.equal(survivalQuantile(steps, 0.5), 3, 'median');
  t.equal(survivalQuantile(steps, 0.9), undefined, 'p90 not reached: censored');
});

t.test('all survive: flat curve, no quantiles', async (t) => {
  const steps = kaplanMeier([{ at: 5000, lost: false }, { at: 5000, lost: false }]);
  t.same(steps, [{ at: 0, surviving: 1 }]);
  t.equal(survivalQuantile(steps, 0.5), undefined);
});

t.test('all lost: quantiles are order statistics', async (t) => {
  const steps = kaplanMeier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((at) => ({ at, lost: true })));
  t.equal(survivalQuantile(steps, 0.5), 5);
  t.equal(survivalQuantile(steps, 0.9), 9);
});

t.test('no observation at all: everybody alive at 0, and no quantile', async (t) => {
  const steps = kaplanMeier([]);
  t.same(steps, [{ at: 0, surviving: 1 }]);
  t.equal(survivalQuantile(steps, 0.5), undefined);
  t.equal(survivalQuantile(steps, 0.9), undefined);
});

t.test('only censored guests: the curve never drops', async (t) => {
  t.same(kaplanMeier([{ at: 5, lost: false }, { at: 9, lost: false }]), [{ at: 0, surviving: 1 }]);
});
