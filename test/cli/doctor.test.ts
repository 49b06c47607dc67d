// tier: build
import t from 'tap';
import { renderChecks, runChecks } from '../../orchestrator/cli/doctor.js';
import { kvmRunsGuest } from '../fixtures/kvm.js';

t.test('every check passes on this machine (but /dev/kvm where it is missing)', async (t) => {
  const checks = await runChecks();
  const failed = checks.filter((check) => !check.ok && !check.optional).map((check) => check.name);
  const kvm = await kvmRunsGuest();
  t.same(failed, kvm ? [] : ['/dev/kvm'], kvm ? 'all: QEMU ran a guest on /dev/kvm here' : 'all but /dev/kvm: QEMU could not run a guest on it here');
  // What npm run setup makes for the main job is required; the rest is built on first use (or by npm test).
  const required = ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu'].flatMap((build) => [`build ${build}`, `firmware for ${build}`]);
  const later = ['7.2-atomic-ioctl', '7.2-mmio-aware', '10.0-stock', '10.0-atomic-ioctl'].flatMap((build) => [`build ${build}`, `firmware for ${build}`]);
  const kernels = ['6.1-stock', '6.1-atomic-ioctl', '6.1-mmio-exit', '6.12-stock', '6.12-atomic-ioctl', 'debian-6.1', 'debian-bpo-6.12'].map((kernel) => `kernel ${kernel}`);
  const nested = checks[0]!.ok ? [] : ['image kvm-probe', 'image l1-initramfs', 'kernel debian-6.1'];
  t.same(checks.filter((check) => !check.optional).map((check) => check.name), ['/dev/kvm', 'nasm', 'setpriv', 'dpkg-deb', ...required, 'image spin', ...nested]);
  t.same(
    checks.filter((check) => check.optional).map((check) => check.name),
    [...later, ...['image kvm-probe', 'image l1-initramfs', ...kernels].filter((name) => !nested.includes(name))],
    'optional: what the main job does not need on this host (it runs inside debian-6.1 only without a usable KVM)',
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
