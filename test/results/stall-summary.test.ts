// tier: unit
import t from 'tap';
import { stallsBetween } from '../../orchestrator/results/stall-summary.js';

const buckets = (entries: Record<number, number>) => Array.from({ length: 32 }, (_, k) => entries[k] ?? 0);

t.test('the gaps of the span per vCPU, the TSC rate from the freshest vCPU, the largest gap bounded by its bucket', async (t) => {
  const before = { atMs: 1000, records: [{ lastTsc: 1_000_000n, buckets: buckets({ 5: 100, 30: 1 }) }, { lastTsc: 1_000_000n, buckets: buckets({ 5: 50 }) }] };
  // 2 s later at 3000 cycles/µs: vCPU 0 ran to the end, vCPU 1 stopped 1 s early.
  const after = { atMs: 3000, records: [{ lastTsc: 6_001_000_000n, buckets: buckets({ 5: 1100, 6: 10, 20: 2, 30: 1 }) }, { lastTsc: 3_001_000_000n, buckets: buckets({ 5: 60 }) }] };
  t.same(stallsBetween(before, after), {
    tscPerUs: 3000,
    spanMs: 2000,
    vcpus: [
      // bucket 30 was filled before the span (the pause before it): not the span's
      { gaps: 1012, buckets: { '5': 1000, '6': 10, '20': 2 }, largestGapBelowUs: 699.1 },
      { gaps: 10, buckets: { '5': 10 }, largestGapBelowUs: 0.02133 },
    ],
  });
});

t.test('no TSC movement, or readings that do not pair: no figures', async (t) => {
  const still = { atMs: 1000, records: [{ lastTsc: 5n, buckets: buckets({}) }] };
  t.equal(stallsBetween(still, { ...still, atMs: 2000 }), undefined);
  t.equal(stallsBetween(still, { atMs: 2000, records: [] }), undefined);
  t.equal(stallsBetween(still, still), undefined, 'no span');
});
