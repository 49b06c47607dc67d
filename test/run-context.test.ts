// tier: unit
import t from 'tap';
import { DEFAULT_TIMEOUTS, HOST_CONTEXT, kernelUnderTest, makeRunContext, makeTimeouts } from '../orchestrator/run-context.js';

t.test('a context scales every named wait once; nonsense and factors below 1 mean 1', async (t) => {
  t.equal(HOST_CONTEXT.timeouts.scale, 1);
  t.equal(HOST_CONTEXT.timeouts.qmpCommandMs, 10_000);
  t.equal(HOST_CONTEXT.timeouts.stallWindowMs, 1_000);
  t.equal(HOST_CONTEXT.location.kind, 'host');
  const l1 = makeRunContext({ timeScale: 10 }).timeouts;
  for (const name of Object.keys(DEFAULT_TIMEOUTS) as (keyof typeof DEFAULT_TIMEOUTS)[]) t.equal(l1[name], DEFAULT_TIMEOUTS[name] * 10, name);
  t.equal(l1.qemuLaunchMs, 200_000);
  t.equal(l1.scaled(1500), 15_000, "a suite's own wait (boot timeout) is scaled alike");
  for (const nonsense of [0.5, 0, -3, Number.NaN, Number.POSITIVE_INFINITY]) t.equal(makeTimeouts(nonsense).scale, 1, String(nonsense));
  t.equal(makeTimeouts(2, { shutdownMs: 100 }).shutdownMs, 200, 'an override is scaled too');
  t.throws(() => {
    (l1 as { qmpCommandMs: number }).qmpCommandMs = 1;
  }, 'frozen: nothing below changes a wait');
});

t.test('where a run executes', async (t) => {
  t.equal(kernelUnderTest(HOST_CONTEXT), undefined);
  const kernel = { name: '6.1-stock', kind: 'source-build' as const, source: 'linux-6.1.1', bzImage: '/k/bzImage', sha256: 'ab'.repeat(32) };
  t.equal(kernelUnderTest(makeRunContext({ location: { kind: 'kernel-under-test', kernel } }))?.name, '6.1-stock');
});
