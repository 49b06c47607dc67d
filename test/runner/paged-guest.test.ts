/*
 * pam-paged on this host's KVM: the spin guest's vCPUs run with 4-level paging
 * whose tables lie in the memslot every PAM flip deletes and re-creates.
 */
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { runIteration } from '../../orchestrator/runner/run-iteration.js';
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
