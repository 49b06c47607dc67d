// tier: unit
import t from 'tap';
import { bucketOf, bucketValue, histogramCount, histogramOf, histogramQuantile, mergeHistograms } from '../../orchestrator/results/latency-histogram.js';

t.test('buckets are about 9% wide and their value lies inside them', async (t) => {
  for (const us of [1, 2, 3, 100, 1234, 999_999]) {
    const value = bucketValue(bucketOf(us));
    t.ok(Math.abs(value - us) / us < 0.1, `${us} -> ${value}`);
  }
  t.equal(bucketOf(0), 0, 'sub-microsecond goes to the first bucket');
});

t.test('merge and quantiles', async (t) => {
  const a = histogramOf([1000, 1000, 1000, 1000]);
  const b = histogramOf([10_000]);
  const merged = mergeHistograms([a, b]);
  t.equal(histogramCount(merged), 5);
  t.ok(Math.abs(histogramQuantile(merged, 0.5)! - 1000) < 50);
  t.ok(Math.abs(histogramQuantile(merged, 0.99)! - 10_000) < 500);
  t.equal(histogramQuantile({}, 0.5), undefined);
  t.same(histogramOf([]), {});
});
