// tier: host
/*
 * The weeds suite on this host's KVM, whose ABI stops a vCPU that fetches from a
 * GPA without a memory slot (KVM_EXIT_INTERNAL_ERROR, emulation failure). The
 * livelock that a zero-length fetch exit makes of it is measured inside the
 * 6.1-mmio-exit kernel (test/nested/weeds.test.ts).
 */
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { GuestStates } from '../../orchestrator/runner/guest-states.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { type IterationInput, runIteration } from '../../orchestrator/runner/run-iteration.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

const loaded = loadSuite('weeds');

async function iterate(build: string, iteration: number, extra: Partial<IterationInput> = {}) {
  return runIteration({ runId: 'test', loaded, build: await resolveBuild(build), image: imagePath('spin'), iteration, seed: iteration, limits: { mutations: 1, durationSeconds: 3 }, host: hostInfo(), ...extra });
}

t.test('weeds on debian-7.2 and debian-bpo-10.0: the vCPU sent to 0xc0000000 stops the guest with an emulation failure, booted and restored', NEEDS_KVM, async (t) => {
  const states = new GuestStates(tempDir(t));
  for (const build of ['debian-7.2', 'debian-bpo-10.0']) {
    for (const iteration of [0, 1]) {
      const record = await iterate(build, iteration, { start: { mode: 'restore', states } });
      t.equal(record.start, iteration === 0 ? 'booted' : 'restored', `${build} ${iteration}: ${record.startNote ?? ''}`);
      t.equal(record.expected, 'stopped');
      t.equal(record.outcome, 'guest-lost', `${build} ${iteration}: ${record.stopReason} ${record.error?.message ?? ''}`);
      t.match(record.failure, { runState: 'internal-error', suberror: 1, emulationFailure: true, vcpu: 1, instructionPointerHex: '0xc0000000', inLoopRange: false });
      t.equal(record.mutationsApplied, 1, 'one NMI');
      t.ok(record.timeToFailureMs !== null && record.timeToFailureMs >= 0, `time to detection ${record.timeToFailureMs} ms`);
      t.notOk(record.livelock);
    }
  }
});

t.test('a user image in the weeds by itself is stopped by the same rules; a user image that halts is neither stopped nor livelocked', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-weeds-');
  const quick = { ...loaded, suite: { ...loaded.suite, guest: { ...loaded.suite.guest, bootTimeoutSeconds: 2 } } };
  const weeds = path.join(dir, 'weeds.bin');
  await execa('nasm', ['-f', 'bin', '-o', weeds, path.join(repoRoot, 'test', 'fixtures', 'weeds-guest.asm')]);
  const lost = await iterate('debian-7.2', 0, { image: weeds, userImage: true, loaded: quick });
  t.equal(lost.outcome, 'guest-lost', `${lost.stopReason} ${lost.error?.message ?? ''}`);
  t.match(lost.failure, { runState: 'internal-error', emulationFailure: true, vcpu: 0, instructionPointerHex: '0xc0000000' });
  t.equal(lost.mutationsAttempted, 0, 'no NMI is sent to a user image');

  const halts = path.join(dir, 'silent.bin');
  await execa('nasm', ['-f', 'bin', '-o', halts, path.join(repoRoot, 'test', 'fixtures', 'silent-guest.asm')]);
  const halted = await iterate('debian-7.2', 0, { image: halts, userImage: true, loaded: quick });
  t.equal(halted.outcome, 'survived', `a halted vCPU makes no MMIO exits and no emulation: ${halted.stopReason} ${halted.error?.message ?? ''} ${JSON.stringify(halted.livelock)}`);
  t.equal(halted.progressKnown, false);
  t.notOk(halted.livelock);
});
