// tier: unit
import t from 'tap';
import { makeRunContext } from '../../orchestrator/run-context.js';
import { ProgressWatch, STALL_WINDOW_MS } from '../../orchestrator/runner/progress-watch.js';

/** A clock the test moves by hand. */
function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

t.test('counters that all rise are advancing', async (t) => {
  const time = clock();
  const watch = new ProgressWatch([1n, 1n], { windowMs: 1000, now: time.now });
  time.advance(100);
  watch.observe([2n, 3n]);
  time.advance(100);
  watch.observe([5n, 4n]);
  t.equal(watch.verdict, 'advancing');
  t.ok(watch.rising);
  t.equal(watch.longestStill, 0);
  t.equal(watch.spanMs, 200);
});

t.test('a vCPU still for less than the window, then moving again, is advancing', async (t) => {
  const time = clock();
  const watch = new ProgressWatch([1n, 1n], { windowMs: 1000, now: time.now });
  for (let i = 2n; i < 10n; i++) {
    time.advance(100);
    watch.observe([i, 1n]);
  }
  time.advance(100);
  watch.observe([20n, 2n]);
  t.equal(watch.verdict, 'advancing');
  t.equal(watch.longestStill, 800);
});

t.test('a vCPU still over the whole window is stalled, even if it moves later', async (t) => {
  const time = clock();
  const watch = new ProgressWatch([1n, 1n], { windowMs: 1000, now: time.now });
  time.advance(10);
  watch.observe([2n, 2n]);
  time.advance(1000);
  watch.observe([3n, 2n]);
  time.advance(10);
  watch.observe([4n, 9n]);
  t.equal(watch.verdict, 'stalled');
  t.notOk(watch.rising);
  t.equal(watch.longestStill, 1000);
});

t.test('a vCPU that did not move over a span shorter than the window is unknown, never stalled', async (t) => {
  // The case seen on a 2-core host: a 1 ms mutation phase, one of three vCPUs not scheduled in it.
  const time = clock(5000);
  const watch = new ProgressWatch([10n, 10n, 10n], { now: time.now });
  time.advance(1);
  watch.observe([11n, 10n, 12n]);
  t.equal(watch.verdict, 'unknown');
  t.notOk(watch.rising);
  t.equal(watch.spanMs, 1);
  // The same reading, a window later, is a stall.
  time.advance(STALL_WINDOW_MS);
  watch.observe([12n, 10n, 13n]);
  t.equal(watch.verdict, 'stalled');
});

t.test('no reading after the first, or fewer counters than vCPUs, is unknown', async (t) => {
  t.equal(new ProgressWatch([1n], { now: () => 0 }).verdict, 'unknown');
  const time = clock();
  const watch = new ProgressWatch([1n, 1n], { windowMs: 1000, now: time.now });
  time.advance(2000);
  watch.observe([5n]);
  t.equal(watch.verdict, 'unknown');
});

t.test('inside a kernel under test the window is the context\'s, scaled', async (t) => {
  const time = clock();
  const watch = new ProgressWatch([1n, 1n], { windowMs: makeRunContext({ timeScale: 10 }).timeouts.stallWindowMs, now: time.now });
  time.advance(STALL_WINDOW_MS * 5);
  watch.observe([2n, 1n]);
  t.equal(watch.verdict, 'unknown', 'five windows of the host are half a window under TCG');
});

t.test('stillVcpus: the vCPUs that did not advance at the last reading for at least the asked span, and since when', async (t) => {
  let now = 0;
  const watch = new ProgressWatch([1n, 1n, 1n], { windowMs: 1000, now: () => now });
  now = 100;
  watch.observe([2n, 2n, 1n]);
  now = 700;
  watch.observe([3n, 2n, 1n]);
  t.same(watch.stillVcpus(500), [{ vcpu: 1, lastAdvanceAt: 100 }, { vcpu: 2, lastAdvanceAt: 0 }]);
  t.same(watch.stillVcpus(650), [{ vcpu: 2, lastAdvanceAt: 0 }]);
  t.equal(watch.verdict, 'unknown', 'still for 700 ms of a 1,000 ms window: not a stall yet');
});
