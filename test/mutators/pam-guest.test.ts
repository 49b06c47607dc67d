// tier: host
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import type { Mailbox } from '../../orchestrator/images/spin-contract.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { runPamGuest } from '../../orchestrator/mutators/pam-guest.js';
import { newTally } from '../../orchestrator/mutators/mutation-loop.js';
import { type IterationInput, runIteration } from '../../orchestrator/runner/run-iteration.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const mutator = { kind: 'pam-guest' as const, register: 0x59, values: [0x10, 0x30] as [number, number], checkEverySeconds: 0.02 };

/**
 * Mailboxes as a guest leaves them that toggles 7 times between two reads, 250,000 cycles each, on a
 * 1 GHz TSC. Counted by reads, not by the clock: under TCG the event loop can stall past any toggle limit.
 */
function ticking(): () => Promise<Mailbox> {
  const start = performance.now();
  let reads = 0;
  return async () => {
    const ms = performance.now() - start;
    const toggles = 7 * reads++;
    return { ready: true, online: 3, cpus: 3, codeAddress: 0x100000, codeStride: 0x40, toggles, toggleCycles: BigInt(toggles) * 250_000n, maxToggleCycles: 900_000n, lastTsc: BigInt(Math.round(ms * 1e6)), mutatorDone: false, weedsJumped: false, counters: [] };
  };
}

t.test('watches the guest until its toggle limit and converts its TSC measurements', async (t) => {
  let checks = 0;
  const tally = newTally();
  const cost = await runPamGuest(mutator, { mutations: 200, durationMs: 10_000 }, { lost: () => false, checkpoint: async () => ++checks > 0 }, tally, ticking());
  t.equal(tally.stoppedBy, 'mutations');
  t.ok(tally.applied >= 200);
  t.ok(checks > 0);
  t.ok(cost, 'calibrated');
  t.ok(cost!.tscPerUs > 0, `TSC ${cost!.tscPerUs} per us`);
  // The conversion, whatever rate the host clock gave: 250,000 cycles per write and 900,000 for the longest.
  t.ok(Math.abs(cost!.meanUs - 250_000 / cost!.tscPerUs) <= 1, `mean ${cost!.meanUs} us at ${cost!.tscPerUs} cycles/us`);
  t.ok(Math.abs(cost!.maxUs - 900_000 / cost!.tscPerUs) <= 1, `max ${cost!.maxUs} us`);
});

t.test('stops at the duration, or when lost, and then reads how far the guest got', async (t) => {
  const byTime = newTally();
  await runPamGuest(mutator, { mutations: 1_000_000, durationMs: 100 }, { lost: () => false, checkpoint: async () => true }, byTime, ticking());
  t.equal(byTime.stoppedBy, 'duration');
  // A guest whose every mailbox read shows 7 more toggles, lost at the first checkpoint.
  let reads = 0;
  let seenAtLoss = -1;
  const counting = async (): Promise<Mailbox> => ({ ...(await ticking()()), toggles: 7 * ++reads });
  let lost = false;
  const lostTally = newTally();
  await runPamGuest(mutator, { mutations: 1_000_000, durationMs: 10_000 }, { lost: () => lost, checkpoint: async () => ((seenAtLoss = lostTally.applied), (lost = true), true) }, lostTally, counting);
  t.equal(lostTally.stoppedBy, 'lost');
  t.ok(seenAtLoss > 0, 'toggles were seen before the loss');
  t.equal(lostTally.applied, 7 * reads, 'the count is the last mailbox read, taken after the loss');
  t.ok(lostTally.applied > seenAtLoss, 'which is further than the loss was seen at');
});

const loaded = loadSuite('pam-guest');
async function iterate(build: string, mutations: number, overrides: Partial<IterationInput> = {}) {
  return runIteration({ runId: 'test', loaded, build: await resolveBuild(build), image: imagePath('spin'), iteration: 0, seed: 0, limits: { mutations, durationSeconds: 60 }, host: hostInfo(), ...overrides });
}

t.test('on debian-7.2 the guest loses itself to its own PAM writes', NEEDS_KVM, async (t) => {
  const record = await iterate('debian-7.2', 20_000);
  t.equal(record.outcome, 'guest-lost', `${record.stopReason} ${record.error?.message ?? ''}`);
  t.equal(record.failure?.suberror, 1);
  t.ok(record.failure?.inLoopRange, 'a spinning vCPU, not the mutating one, fetched from the hole');
  t.not(record.failure?.vcpu, 0);
  t.ok(record.mutationsApplied > 0 && record.mutationsApplied < 20_000, `${record.mutationsApplied} toggles`);
});

t.test('on debian-bpo-10.0 the guest survives its own storm, measuring each write', NEEDS_KVM, async (t) => {
  const record = await iterate('debian-bpo-10.0', 2000);
  t.equal(record.outcome, 'survived', `${record.stopReason} ${record.error?.message ?? ''}`);
  t.equal(record.stopReason, 'mutations');
  t.ok(record.mutationsApplied >= 2000);
  t.ok(record.progressRising);
  t.equal(record.latency, null, 'no QMP latency: QMP did not mutate');
  t.ok(record.guestCost && record.guestCost.meanUs > 0 && record.guestCost.maxUs >= record.guestCost.meanUs, JSON.stringify(record.guestCost));
  t.ok(record.guestCost!.tscPerUs > 100, 'a plausible TSC rate');
});
