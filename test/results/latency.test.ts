// tier: unit
import t from 'tap';
import { summarizeLatency } from '../../orchestrator/results/latency.js';

t.test('nearest-rank percentiles', async (t) => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1);
  t.same(summarizeLatency(samples), { count: 100, meanUs: 51, p50Us: 50, p99Us: 99, maxUs: 100 });
  t.same(summarizeLatency([7]), { count: 1, meanUs: 7, p50Us: 7, p99Us: 7, maxUs: 7 });
  t.same(summarizeLatency([3, 1, 2]), { count: 3, meanUs: 2, p50Us: 2, p99Us: 3, maxUs: 3 });
});

t.test('no samples, no summary', async (t) => {
  t.equal(summarizeLatency([]), null);
});
