// tier: unit
import t from 'tap';
import { binomialCdf, clopperPearson, trialsForUpperBound, wilsonInterval, zeroEventUpperBound } from '../../orchestrator/stats/binomial.js';

const close = (t: { ok(value: unknown, message: string): unknown }, actual: number, expected: number, digits = 4, what = '') =>
  t.ok(Math.abs(actual - expected) < 10 ** -digits, `${what} ${actual} ≈ ${expected}`);

t.test('Wilson score interval against published values', async (t) => {
  const a = wilsonInterval(5, 10);
  close(t, a.low, 0.2366, 4, '5/10 low');
  close(t, a.high, 0.7634, 4, '5/10 high');
  const b = wilsonInterval(0, 10);
  t.equal(b.low, 0);
  close(t, b.high, 0.2775, 4, '0/10 high');
  const c = wilsonInterval(81, 263);
  close(t, c.low, 0.2553, 4, '81/263 low');
  close(t, c.high, 0.3662, 4, '81/263 high');
});

t.test('Clopper-Pearson exact interval against published values', async (t) => {
  const a = clopperPearson(5, 10);
  close(t, a.low, 0.1871, 4, '5/10 low');
  close(t, a.high, 0.8129, 4, '5/10 high');
  const b = clopperPearson(0, 10);
  t.equal(b.low, 0);
  close(t, b.high, 0.3085, 4, '0/10 high');
  const c = clopperPearson(10, 10);
  close(t, c.low, 0.6915, 4, '10/10 low');
  t.equal(c.high, 1);
  const d = clopperPearson(1, 20);
  close(t, d.low, 0.0013, 4, '1/20 low');
  close(t, d.high, 0.2487, 4, '1/20 high');
  t.same(clopperPearson(0, 0), { estimate: 0, low: 0, high: 1 });
});

t.test('binomial CDF by hand', async (t) => {
  close(t, binomialCdf(0, 3, 0.5), 0.125, 9);
  close(t, binomialCdf(1, 3, 0.5), 0.5, 9);
  close(t, binomialCdf(2, 4, 0.25), 0.94921875, 9);
  t.equal(binomialCdf(3, 3, 0.5), 1);
  t.equal(binomialCdf(-1, 3, 0.5), 0);
});

t.test('zero events: exact upper bound, the rule of three, and trials needed', async (t) => {
  close(t, zeroEventUpperBound(300), 0.009937, 6, 'n=300');
  close(t, zeroEventUpperBound(300), 3 / 300, 3, 'rule of three');
  close(t, zeroEventUpperBound(1), 0.95, 9, 'n=1');
  t.equal(zeroEventUpperBound(0), 1);
  t.equal(trialsForUpperBound(0.01), 299);
  t.ok(zeroEventUpperBound(trialsForUpperBound(0.001)) < 0.001);
  t.ok(zeroEventUpperBound(trialsForUpperBound(0.001) - 1) >= 0.001);
});
