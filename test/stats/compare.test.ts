// tier: unit
import t from 'tap';
import { compareRecords, latencyRatio, seededRandom } from '../../orchestrator/stats/compare.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';

t.test('the PRNG is reproducible and uniform enough', async (t) => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const draws = Array.from({ length: 1000 }, () => a());
  t.same(draws.slice(0, 5), Array.from({ length: 5 }, () => b()));
  t.ok(draws.every((x) => x >= 0 && x < 1));
  const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
  t.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

t.test('latency ratio with a bootstrap interval', async (t) => {
  const slow = [0, 1, 2, 3].map((iteration) => sampleRecord({ iteration, latencyHistogram: { [String(80 + iteration)]: 100 } }));
  const fast = [0, 1, 2, 3].map((iteration) => sampleRecord({ iteration, latencyHistogram: { [String(72 + iteration)]: 100 } }));
  const ratio = latencyRatio(slow, fast)!;
  t.ok(Math.abs(ratio.estimate - 0.5) < 0.06, `8 buckets = one doubling: ${ratio.estimate}`);
  t.ok(ratio.low <= ratio.estimate && ratio.estimate <= ratio.high);
  t.same(latencyRatio(slow, fast), ratio, 'seeded: the same every time');
  t.equal(latencyRatio([], fast), undefined);
});

t.test('cells missing on one side are shown, without a flip', async (t) => {
  const records = fixedRecordSet();
  const changes = compareRecords(records.slice(0, 3), records, () => 0.001);
  t.equal(changes.length, 3);
  t.equal(changes[1]!.before, undefined);
  t.equal(changes[1]!.verdictChanged, false);
  t.equal(changes[1]!.latencyRatio, undefined);
});
