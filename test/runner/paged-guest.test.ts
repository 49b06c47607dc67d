// tier: host
/*
 * pam-paged on this host's KVM: the spin guest's vCPUs run with 4-level paging
 * whose tables lie in the memslot every PAM flip deletes and re-creates.
 */
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { runIteration } from '../../orchestrator/runner/run-iteration.js';
import { observeIteration } from '../../orchestrator/runner/observe-iteration.js';
import { spinGuest } from '../../orchestrator/runner/spin-guest.js';
import { HOST_CONTEXT } from '../../orchestrator/run-context.js';
import type { SpinGuest } from '../../orchestrator/suites/suite-schema.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const loaded = loadSuite('pam-paged');

async function iterate(build: string, mutations: number, iteration: number) {
  return runIteration({ runId: 'test', loaded, build: await resolveBuild(build), image: imagePath('spin'), iteration, seed: iteration, limits: { mutations, durationSeconds: 60 }, host: hostInfo(), start: { mode: 'boot' } });
}

t.test('stock QEMU 7.2 loses the paged guest, and the loss is recorded as one even when QEMU exits at once', NEEDS_KVM, async (t) => {
  for (const iteration of [0, 1]) {
    const record = await iterate('debian-7.2', 3000, iteration);
    t.equal(record.outcome, 'guest-lost', `${record.stopReason} ${JSON.stringify(record.error ?? null)}`);
    t.ok(record.mutationsApplied < 3000, `lost after ${record.mutationsApplied} mutations`);
    // Either KVM's emulator fails (internal error) or the vCPU's own page walk meets the hole (a triple fault, QEMU exits under -no-reboot).
    t.match(record.failure?.runState ?? '', /^(internal-error|qemu-exited \(exit code 0, guest-reset\))$/, `${record.failure?.runState}`);
    t.notOk(record.error, 'a QMP call cut off by that exit is not a harness error');
  }
});

t.test('QEMU 10.0 (paused vCPUs) keeps the paged guest running through every flip', NEEDS_KVM, async (t) => {
  const record = await iterate('debian-bpo-10.0', 2000, 0);
  t.equal(record.outcome, 'survived', `${record.stopReason} ${record.stderrExcerpt}`);
  t.equal(record.mutationsApplied, 2000);
  t.ok(record.progressRising, 'every vCPU kept looping');
});

t.test('a QEMU that hangs after the guest reset (SIGSTOPped at its SHUTDOWN event): the guest is lost, not a harness error', NEEDS_KVM, async (t) => {
  const build = await resolveBuild('debian-7.2');
  const timeouts = { ...HOST_CONTEXT.timeouts, qmpCommandMs: 1500, shutdownMs: 1000 };
  const driver = spinGuest(build, loaded.suite, loaded.suite.guest as SpinGuest, imagePath('spin'), false, 3000, timeouts, { mode: 'boot' });
  const boot = driver.boot.bind(driver);
  driver.boot = async () => {
    const known = await boot();
    driver.machine.qmp.onEvent((event) => {
      if (event.event === 'SHUTDOWN') process.kill(driver.machine.pid!, 'SIGSTOP');
    });
    return known;
  };
  const observed = await observeIteration(driver, { mutator: loaded.suite.mutator, limits: { mutations: 3000, durationSeconds: 60 }, seed: 1, timeouts });
  t.equal(observed.harness, undefined, `no harness failure: ${observed.harness?.message}`);
  t.equal(observed.loss?.reason, 'shutdown', 'the SHUTDOWN event is the loss');
  t.equal(observed.shutdown.how, 'killed', 'the stopped QEMU was killed at the end');
});
