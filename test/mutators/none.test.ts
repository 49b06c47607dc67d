// tier: host
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { runIdle } from '../../orchestrator/mutators/none.js';
import { newTally } from '../../orchestrator/mutators/mutation-loop.js';
import { runIteration } from '../../orchestrator/runner/run-iteration.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('checks at its interval until the duration ends, without mutating', async (t) => {
  const at: number[] = [];
  const tally = await runIdle({ kind: 'none', checkEverySeconds: 0.05 }, { mutations: 1, durationMs: 300 }, { lost: () => false, checkpoint: async () => at.push(performance.now()) > 0 }, newTally());
  t.equal(tally.stoppedBy, 'duration');
  t.equal(tally.applied, 0);
  t.ok(at.length >= 1, `${at.length} checkpoints`);
  // Timers may fire a millisecond early, and the last waits are what is left of the duration:
  // until the last 50 ms, checkpoints come an interval apart (less a timer's slack).
  const gaps = at.map((time, index) => time - (index === 0 ? tally.startedAtMs : at[index - 1]!));
  const early = gaps.filter((gap, index) => gap < 45 && at[index]! - tally.startedAtMs < 250);
  t.same(early, [], 'no checkpoint sooner than its interval before the duration nears its end');
  t.ok(at.length <= 300 / 45 + 3, `${at.length} checkpoints: at most one per interval, plus the remainder's`);
  t.ok(tally.endedAtMs! - tally.startedAtMs >= 300);
});

t.test('stops when the guest is lost or a checkpoint says so', async (t) => {
  const lost = await runIdle({ kind: 'none', checkEverySeconds: 0.01 }, { mutations: 1, durationMs: 10_000 }, { lost: () => true, checkpoint: async () => true }, newTally());
  t.equal(lost.stoppedBy, 'lost');
  const stopped = await runIdle({ kind: 'none', checkEverySeconds: 0.01 }, { mutations: 1, durationMs: 10_000 }, { lost: () => false, checkpoint: async () => false }, newTally());
  t.equal(stopped.stoppedBy, 'checkpoint');
});

t.test('control-idle on real QEMU: the guest survives and its progress rate is measured', NEEDS_KVM, async (t) => {
  const loaded = loadSuite('control-idle');
  const record = await runIteration({
    runId: 'test',
    loaded,
    build: await resolveBuild('debian-7.2'),
    image: imagePath('spin'),
    iteration: 0,
    seed: 0,
    limits: { mutations: loaded.suite.stop.mutations, durationSeconds: 1.5 },
    host: hostInfo(),
  });
  t.equal(record.outcome, 'survived', `${record.stopReason} ${record.error?.message ?? ''}`);
  t.equal(record.stopReason, 'duration');
  t.equal(record.mutationsApplied, 0);
  t.equal(record.latency, null);
  t.ok(record.mutationPhaseMs >= 1500);
  t.ok(record.progressPerSecond! > 0, `${record.progressPerSecond} loops/s`);
  t.ok(record.progressRising);
  t.equal(record.expected, 'safe');
});
