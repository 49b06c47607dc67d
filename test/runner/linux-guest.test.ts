// tier: host
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { NESTED_KERNEL, LinuxGuestHostError, SilenceWatch, kvmWithoutLinuxGuests, linuxCommandLine, placedDimmArgs } from '../../orchestrator/runner/linux-guest.js';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { runPlan } from '../../orchestrator/runner/run-plan.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { isolatedRuns, tempDir } from '../fixtures/temp-dir.js';

t.test('the kernel command line leaves hot-plugged memory offline and names the exec node', async (t) => {
  const line = linuxCommandLine({ image: 'linux', kernel: 'debian-6.1', execNode: 2, bootTimeoutSeconds: 120 });
  t.match(line, /(^| )console=ttyS0( |$)/);
  t.match(line, / memhp_default_state=offline( |$)/, 'init onlines only the exec node; churned DIMMs stay ejectable');
  t.match(line, / slotlab\.node=2( |$)/);
  t.match(line, / panic=-1( |$)/, 'a crashed guest ends QEMU (-no-reboot) instead of hanging');
});

t.test('a restored machine has the DIMMs plugged after boot on its command line, where they sat', async (t) => {
  t.same(placedDimmArgs([{ id: 'exec', sizeMiB: 128, node: 1, addr: 0x100000000, slot: 0 }]), [
    '-object',
    'memory-backend-ram,id=exec-mem,size=128M',
    '-device',
    'pc-dimm,id=exec,memdev=exec-mem,addr=0x100000000,slot=0,node=1',
  ]);
  t.same(placedDimmArgs([{ id: 'a', sizeMiB: 64, addr: 0x140000000, slot: 2 }]).at(-1), 'pc-dimm,id=a,memdev=a-mem,addr=0x140000000,slot=2', 'no node given, none set');
  t.same(placedDimmArgs([]), []);
});

t.test('a KVM that cannot boot Linux is recognised by its module', async (t) => {
  const dir = tempDir(t, 'slotlab-sys-module-');
  fs.mkdirSync(path.join(dir, 'kvm'));
  fs.mkdirSync(path.join(dir, 'kvm_amd'));
  t.equal(kvmWithoutLinuxGuests(dir), undefined);
  fs.mkdirSync(path.join(dir, 'kvm_pvm'));
  t.equal(kvmWithoutLinuxGuests(dir), 'kvm_pvm');
  const error = new LinuxGuestHostError('linux-hotplug', 'kvm_pvm');
  t.equal(error.code, 'LINUX_GUEST_UNSUPPORTED');
  t.match(error.message, `slotlab run linux-hotplug --kernel ${NESTED_KERNEL}`);
});

t.test('a Linux-guest suite is refused with --image', async (t) => {
  isolatedRuns(t);
  await t.rejects(runPlan(makePlan(loadSuite('linux-hotplug'), ['debian-7.2'], { repetitions: 1, image: '/bin/true' })), { code: 'BAD_IMAGE', message: /--image replaces the spin image; suite linux-hotplug boots a Linux guest/ });
});

t.test('a Linux-guest suite is refused on a host KVM that cannot boot Linux', NEEDS_KVM, async (t) => {
  const loaded = loadSuite('linux-hotplug');
  const runs = isolatedRuns(t);
  // The modules this host would list if its KVM were kvm_pvm, whatever it really runs.
  const sysModuleDir = tempDir(t, 'slotlab-sys-module-');
  for (const module of ['kvm', 'kvm_pvm']) fs.mkdirSync(path.join(sysModuleDir, module));
  await t.rejects(runPlan(makePlan(loaded, ['debian-7.2'], { repetitions: 1 }), { sysModuleDir }), { code: 'LINUX_GUEST_UNSUPPORTED', message: /kvm_pvm.*slotlab run linux-hotplug --kernel debian-6\.1/s });
  t.same(fs.readdirSync(runs), [], 'refused before any run file was written');
});

t.test('a progress count that stands still longer than the limit is a hang; any new line resets it', async (t) => {
  const watch = new SilenceWatch(6000);
  t.equal(watch.observe(3, 0), undefined, 'the first look sets the baseline');
  t.equal(watch.observe(3, 5000), undefined, 'within the limit');
  t.equal(watch.observe(4, 5500), undefined, 'a new line');
  t.equal(watch.observe(4, 11_000), undefined);
  t.equal(watch.observe(4, 12_000), 'the guest printed no progress line for 7 s (its kernel did not say why)');
});

t.test('a run is handed its guest kernel, resolved before it starts: without it the run refuses before writing anything', NEEDS_KVM, async (t) => {
  const runs = isolatedRuns(t);
  const sysModuleDir = tempDir(t, 'slotlab-sys-module-');
  fs.mkdirSync(path.join(sysModuleDir, 'kvm'));
  await t.rejects(runPlan(makePlan(loadSuite('linux-hotplug'), ['debian-7.2'], { repetitions: 1 }), { sysModuleDir }), {
    code: 'LINUX_GUEST_FAILED',
    message: /boots kernel debian-6\.1 as its guest, whose files were not resolved before the run/,
  });
  t.same(fs.readdirSync(runs), []);
});
