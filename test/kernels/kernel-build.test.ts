// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readSeries } from '../../orchestrator/builds/patch-series.js';
import { patchesRoot } from '../../orchestrator/builds/qemu-variants.js';
import { compileKernelObjects, kernelBuildKey, localVersion } from '../../orchestrator/kernels/kernel-build.js';
import { kernelSpec } from '../../orchestrator/kernels/kernel-registry.js';
import { debianLinuxSource } from '../../orchestrator/kernels/linux-source.js';

const fakeSource = { version: '6.1.176-1', tree: '/nonexistent' };

t.test('the cache key follows the source version, the patches and the configuration', async (t) => {
  const stock = kernelSpec({ base: '6.1', variant: 'stock' }, fakeSource);
  const atomic = kernelSpec({ base: '6.1', variant: 'atomic-ioctl' }, fakeSource);
  t.equal(kernelBuildKey(stock), kernelBuildKey(kernelSpec({ base: '6.1', variant: 'stock' }, fakeSource)), 'stable');
  t.not(kernelBuildKey(stock), kernelBuildKey(atomic), 'patches count');
  t.not(kernelBuildKey(stock), kernelBuildKey({ ...stock, source: { ...fakeSource, version: '6.1.177-1' } }), 'source version counts');
  t.match(kernelBuildKey(stock), /^[0-9a-f]{20}$/);
  t.equal(localVersion(atomic), '-slotlab-atomic-ioctl');
  t.same(
    atomic.patches.map((patch) => patch.name),
    readSeries(path.join(patchesRoot, 'linux-6.1', 'atomic-ioctl')).map((patch) => patch.name),
  );
});

t.test("the atomic-ioctl patch applies to Debian's linux-source-6.1 and KVM compiles with it", async (t) => {
  const source = await debianLinuxSource('6.1', () => {});
  const spec = kernelSpec({ base: '6.1', variant: 'atomic-ioctl' }, source);
  const build = await compileKernelObjects(spec, ['arch/x86/kvm/'], () => {});
  const object = path.join(build, 'virt', 'kvm', 'kvm_main.o');
  t.ok(fs.existsSync(object), 'kvm_main.o compiled');
  // KVM_SET_USER_MEMORY_REGION_LIST = _IOW(0xae, 0xd2, 8 bytes) = 0x4008aed2: kvm_vm_ioctl() switches on it.
  const ioctl = Buffer.alloc(4);
  ioctl.writeUInt32LE(0x4008aed2);
  t.ok(fs.readFileSync(object).includes(ioctl), 'the compiled ioctl switch has the list ioctl');
  t.ok(fs.existsSync(path.join(build, 'arch', 'x86', 'kvm', 'built-in.a')), 'the whole KVM directory compiled');
  const header = fs.readFileSync(path.join(build, '..', 'src', 'include', 'uapi', 'linux', 'kvm.h'), 'utf8');
  t.match(header, /#define KVM_CAP_USER_MEMORY_REGION_LIST 4096/);
  t.match(header, /KVM_SET_USER_MEMORY_REGION_LIST _IOW\(KVMIO, 0xd2/);
});
