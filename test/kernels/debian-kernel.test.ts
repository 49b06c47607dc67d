// tier: nested
import t from 'tap';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {
  L1_MODULE_ROOTS,
  builtinModules,
  debianBackportsKernel,
  debianKernel,
  loadOrder,
  moduleDepends,
  readModule,
} from '../../orchestrator/kernels/debian-kernel.js';
import type { KernelDefinition } from '../../orchestrator/kernels/kernel-types.js';
import type { Test } from 'tap';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { jobPreamble, runL1Job } from '../../orchestrator/nested/kernel-run.js';
import { readNewc } from '../../orchestrator/images/cpio.js';
import fs from 'node:fs';

const ko = (depends: string) => Buffer.from(`\0license=GPL\0depends=${depends}\0retpoline=Y\0`);

t.test("a module's dependencies come from its modinfo, and load first", async (t) => {
  t.same(moduleDepends(ko('kvm,ccp')), ['kvm', 'ccp']);
  t.same(moduleDepends(ko('')), []);
  t.same(moduleDepends(Buffer.from('no modinfo here')), []);
  const files: Record<string, Buffer> = { 'kvm-amd': ko('kvm,ccp'), kvm: ko('irqbypass'), ccp: ko(''), irqbypass: ko('') };
  const order = loadOrder(['kvm-amd'], (name) => (name in files ? name : undefined), (file) => files[file]!);
  t.same(order.map((module) => module.name), ['irqbypass', 'kvm', 'ccp', 'kvm_amd']);
  t.throws(() => loadOrder(['9p'], () => undefined), /module 9p is not in the kernel package/);
});

t.test('modules a kernel has built in are not loaded, and .ko.xz modules are decompressed', async (t) => {
  t.same([...builtinModules('kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/virtio/virtio-ring.ko.xz\n')], ['virtio_pci', 'virtio_ring']);
  const files: Record<string, Buffer> = { virtio_pci: ko('virtio_ring'), '9p': ko('9pnet,netfs'), '9pnet': ko(''), netfs: ko('') };
  const order = loadOrder(['virtio_pci', '9p'], (name) => (name in files ? name : undefined), (file) => files[file]!, new Set(['virtio_pci', 'netfs']));
  t.same(order.map((module) => module.name), ['9pnet', '9p']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-ko-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'a.ko'), ko('kvm'));
  execFileSync('xz', ['-k', path.join(dir, 'a.ko')]);
  t.same(readModule(path.join(dir, 'a.ko.xz')), ko('kvm'));
  t.same(readModule(path.join(dir, 'a.ko')), ko('kvm'));
  fs.writeFileSync(path.join(dir, 'bad.ko.xz'), 'not xz');
  t.throws(() => readModule(path.join(dir, 'bad.ko.xz')), /xz -dc .*bad\.ko\.xz failed/);
});

async function bootPackaged(t: Test, definition: KernelDefinition, release: RegExp, builtin: string[]): Promise<void> {
  await definition.prepare(() => {});
  const kernel = await definition.resolve();
  t.equal(kernel.provenance.kind, 'debian-package');
  t.match(kernel.provenance.source, new RegExp(`^Debian package linux-image-${release.source.slice(1, -1)} `));
  const modules = readNewc(fs.readFileSync(kernel.modules!));
  const order = modules.find((entry) => entry.name === 'etc/slotlab-modules')!.data!.toString().trim().split('\n');
  for (const root of L1_MODULE_ROOTS.map((name) => name.replace(/-/g, '_'))) {
    if (builtin.includes(root)) t.notOk(order.includes(root), `${root} is built in, not loaded`);
    else t.ok(order.includes(root), `${root} is loaded`);
  }
  t.ok(order.indexOf('kvm') < order.indexOf('kvm_amd'), 'dependencies first');
  for (const entry of modules.filter((entry) => entry.name.endsWith('.ko'))) {
    t.equal(entry.data!.subarray(0, 4).toString('latin1'), '\x7fELF', `${entry.name} is a plain ELF object`);
  }
  const lines: Record<string, unknown>[] = [];
  const l1 = await runL1Job({
    kernel: definition.name,
    script: (jobDir) => [...jobPreamble(jobDir), `exec ${kvmProbePath()} single-test 20000`, ''].join('\n'),
    timeoutMs: 600_000,
    onLine: (line) => {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  t.match(l1.release, release);
  t.equal(l1.kvm.USER_MEMORY_REGION_LIST, 0);
  t.equal(lines.find((line) => line.test === 'single')?.lost, true, 'the race, at L2 under the packaged kernel');
}

t.test("bookworm's packaged kernel boots as L1 with its modules: KVM there, no list ioctl, and two single ioctls lose a vCPU", (t) =>
  bootPackaged(t, debianKernel, /^6\.1\.0-\d+-amd64$/, []),
);

t.test("bookworm-backports' 6.12 boots as L1 with its decompressed modules, virtio built in, and the race is there too", (t) =>
  bootPackaged(t, debianBackportsKernel, /^6\.12\.\d+\+deb12-amd64$/, ['virtio_pci']),
);
