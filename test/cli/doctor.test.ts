// tier: build
import t from 'tap';
import { renderChecks, runChecks } from '../../orchestrator/cli/doctor.js';
import { kvmRunsGuest } from '../fixtures/kvm.js';

t.test('every check passes on this machine (but /dev/kvm where it is missing)', async (t) => {
  const checks = await runChecks();
  const failed = checks.filter((check) => !check.ok && !check.optional).map((check) => check.name);
  const kvm = await kvmRunsGuest();
  t.same(failed, kvm ? [] : ['/dev/kvm'], kvm ? 'all: QEMU ran a guest on /dev/kvm here' : 'all but /dev/kvm: QEMU could not run a guest on it here');
  const required = ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu', '7.2-atomic-ioctl', '7.2-mmio-aware', '10.0-stock', '10.0-atomic-ioctl'].flatMap((build) => [`build ${build}`, `firmware for ${build}`]);
  t.same(
    checks.filter((check) => !check.optional).map((check) => check.name),
    ['/dev/kvm', 'nasm', 'setpriv', 'dpkg-deb', ...required, 'image spin', 'image kvm-probe', 'image l1-initramfs'],
  );
  t.same(
    checks.filter((check) => check.optional).map((check) => check.name),
    ['kernel 6.1-stock', 'kernel 6.1-atomic-ioctl', 'kernel 6.1-mmio-exit', 'kernel 6.12-stock', 'kernel 6.12-atomic-ioctl', 'kernel debian-6.1', 'kernel debian-bpo-6.12'],
    'only the kernels under test, which the main job does not need, are optional',
  );
});

t.test('a failed check shows its fix', async (t) => {
  const text = renderChecks([
    { name: 'nasm', ok: false, detail: 'not found', fix: 'apt-get install nasm' },
    { name: '/dev/kvm', ok: true, detail: 'readable and writable' },
    { name: 'build x', ok: false, detail: 'not built', fix: 'slotlab build x', optional: true },
  ]);
  t.equal(text, 'MISSING nasm: not found\n        fix: apt-get install nasm\nok      /dev/kvm: readable and writable\nabsent  build x: not built\n        fix: slotlab build x');
});
