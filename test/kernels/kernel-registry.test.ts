// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BuildNotReadyError } from '../../orchestrator/builds/build-errors.js';
import { KERNELS, UnknownKernelError, findKernel, kernelSpec } from '../../orchestrator/kernels/kernel-registry.js';
import { linuxSourceSuite } from '../../orchestrator/kernels/linux-source.js';
import { isolatedCache, tempDir } from '../fixtures/temp-dir.js';

t.test("the built-in kernels are 6.1 and 6.12, stock and with the atomic ioctl, 6.1 with the mmio exit, and Debian's packaged 6.1 and 6.12", async (t) => {
  t.same(KERNELS.map((kernel) => kernel.name), ['6.1-stock', '6.1-atomic-ioctl', '6.1-mmio-exit', '6.12-stock', '6.12-atomic-ioctl', 'debian-6.1', 'debian-bpo-6.12']);
  t.equal(findKernel('6.1-atomic-ioctl'), KERNELS[1]);
  t.equal(findKernel('6.1-mmio-exit'), KERNELS[2]);
  t.equal(findKernel('6.12-atomic-ioctl'), KERNELS[4]);
});

t.test('6.1-mmio-exit carries our patch for the fetch exit, with a capability number of our own', async (t) => {
  const spec = kernelSpec({ base: '6.1', variant: 'mmio-exit' }, { version: '6.1.0-1', tree: '/nonexistent' });
  t.same(spec.patches.map((patch) => patch.name), ['0001-kvm-x86-mmio-exit-on-fetch-without-slot.patch']);
  const text = fs.readFileSync(spec.patches[0]!.file, 'utf8');
  t.match(text, /^\+#define KVM_CAP_X86_MMIO_FETCH_EXIT 4098$/m, 'far above upstream numbers');
  t.match(text, /^\+\trun->mmio\.len = 0;$/m);
});

t.test("each kernel source comes from the Debian suite that ships it: 6.1 from bookworm, 6.12 from bookworm-backports", async (t) => {
  t.equal(linuxSourceSuite('6.1'), 'bookworm');
  t.equal(linuxSourceSuite('6.12'), 'bookworm-backports');
});

t.test('a 6.12 kernel under test carries its own patch series, not 6.1\'s', async (t) => {
  const source = { version: '6.12.0-1', tree: '/nonexistent' };
  const spec = kernelSpec({ base: '6.12', variant: 'atomic-ioctl' }, source);
  t.equal(spec.name, '6.12-atomic-ioctl');
  t.same(spec.patches.map((patch) => patch.name), ['0001-kvm-set-user-memory-region-list.patch']);
  t.match(fs.readFileSync(spec.patches[0]!.file, 'utf8'), /KVM_SET_USER_MEMORY_REGION2_LIST/);
  t.same(kernelSpec({ base: '6.12', variant: 'stock' }, source).patches, [], 'stock: no patches of ours');
});

t.test('an unknown kernel name lists the known ones', async (t) => {
  const error = t.throws(() => findKernel('5.15-stock')) as unknown;
  t.type(error, UnknownKernelError);
  t.match((error as Error).message, /unknown kernel '5\.15-stock'; known kernels: 6\.1-stock, 6\.1-atomic-ioctl, 6\.1-mmio-exit, 6\.12-stock, 6\.12-atomic-ioctl, debian-6\.1, debian-bpo-6\.12, or the path of a bzImage/);
});

t.test('a path to a bzImage is a user kernel with its hash', async (t) => {
  const file = path.join(tempDir(t), 'bzImage');
  fs.writeFileSync(file, 'not really a kernel');
  const kernel = await findKernel(file).resolve();
  t.equal(kernel.bzImage, file);
  t.equal(kernel.provenance.kind, 'user-bzimage');
  t.match(kernel.provenance.sha256, /^[0-9a-f]{64}$/);
});

t.test('a kernel that is not built says how to build it', async (t) => {
  isolatedCache(t);
  const error = await KERNELS[0]!.resolve().catch((e: unknown) => e);
  t.type(error, BuildNotReadyError);
  t.match((error as Error).message, /kernel build 6\.1-stock|slotlab kernel build 6\.1-stock/);
});
