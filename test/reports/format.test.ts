// tier: unit
import t from 'tap';
import { formatInterval, formatMs, formatQuantile, formatUs } from '../../orchestrator/reports/format.js';

t.test('number formats', async (t) => {
  t.equal(formatInterval({ estimate: 0.5, low: 0.1871, high: 0.8129 }), '0.50 [0.19, 0.81]');
  t.equal(formatMs(42.4), '42 ms');
  t.equal(formatMs(12_345), '12.3 s');
  t.equal(formatMs(undefined), '-');
  t.equal(formatUs(850), '850 us');
  t.equal(formatUs(1450), '1.4 ms');
  t.equal(formatUs(12_400), '12 ms');
  t.equal(formatQuantile(undefined, 2), 'not reached');
  t.equal(formatQuantile(undefined, 0), '-');
  t.equal(formatQuantile(7, 0), '7');
});
