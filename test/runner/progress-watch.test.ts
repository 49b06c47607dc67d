import t from 'tap';
import { ProgressWatch } from '../../orchestrator/runner/progress-watch.js';

t.test('rising counters', async (t) => {
  const watch = new ProgressWatch([1n, 1n]);
  watch.observe([2n, 3n]);
  watch.observe([5n, 4n]);
  t.ok(watch.rising);
  t.equal(watch.longestStall, 0);
});

t.test('a vCPU may miss a few checkpoints', async (t) => {
  const watch = new ProgressWatch([1n, 1n], 3);
  watch.observe([2n, 1n]);
  watch.observe([3n, 1n]);
  watch.observe([4n, 9n]);
  t.ok(watch.rising);
  t.equal(watch.longestStall, 2);
});

t.test('but not too many in a row', async (t) => {
  const watch = new ProgressWatch([1n, 1n], 3);
  for (let i = 2n; i < 6n; i++) watch.observe([i, 1n]);
  watch.observe([9n, 9n]);
  t.notOk(watch.rising);
});

t.test('no checkpoint at all is not rising', async (t) => {
  t.notOk(new ProgressWatch([1n]).rising);
});
