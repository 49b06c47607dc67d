import t from 'tap';
import { L1_MODULE_ROOTS, debianKernel, loadOrder, moduleDepends } from '../../orchestrator/kernels/debian-kernel.js';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { jobPreamble, runL1Job } from '../../orchestrator/kernels/kernel-run.js';
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

t.test("Debian's packaged kernel boots as L1 with its modules: KVM there, no list ioctl, and two single ioctls lose a vCPU", async (t) => {
  await debianKernel.prepare(() => {});
  const kernel = await debianKernel.resolve();
  t.equal(kernel.provenance.kind, 'debian-package');
  t.match(kernel.provenance.source, /^Debian package linux-image-6\.1\.0-\d+-amd64 6\.1\./);
  const modules = readNewc(fs.readFileSync(kernel.modules!));
  const order = modules.find((entry) => entry.name === 'etc/slotlab-modules')!.data!.toString().trim().split('\n');
  for (const root of L1_MODULE_ROOTS) t.ok(order.includes(root.replace(/-/g, '_')), `${root} is loaded`);
  t.ok(order.indexOf('kvm') < order.indexOf('kvm_amd'), 'dependencies first');
  const lines: Record<string, unknown>[] = [];
  const l1 = await runL1Job({
    kernel: 'debian-6.1',
    script: (jobDir) => [...jobPreamble(jobDir), `exec ${kvmProbePath()} single-test 20000`, ''].join('\n'),
    timeoutMs: 600_000,
    onLine: (line) => {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  t.match(l1.release, /^6\.1\.0-\d+-amd64$/);
  t.equal(l1.kvm.USER_MEMORY_REGION_LIST, 0);
  t.equal(lines.find((line) => line.test === 'single')?.lost, true, 'the race, at L2 under the packaged kernel');
});
