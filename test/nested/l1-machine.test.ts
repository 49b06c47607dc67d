// tier: nested
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ProcessError } from '../../orchestrator/errors.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { L1Error, l1Accel, l1QemuArgs, runInL1 } from '../../orchestrator/nested/l1-machine.js';
import type { ResolvedKernel } from '../../orchestrator/kernels/kernel-types.js';
import { trackedProcesses } from '../../orchestrator/machine/process-reaper.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { findKernel } from '../../orchestrator/kernels/kernel-registry.js';
import { buildBusyboxInitramfs } from '../../orchestrator/images/busybox-initramfs.js';
import { imagesDir } from '../../orchestrator/paths.js';

function kernelAt(file: string): ResolvedKernel {
  return { name: 'test-kernel', bzImage: file, provenance: { name: 'test-kernel', kind: 'user-bzimage', source: file, bzImage: file, sha256: '0'.repeat(64) } };
}

t.test('L1 runs under TCG with emulated SVM, the host root read-only and the job folder read-write', async (t) => {
  const args = l1QemuArgs({ kernel: kernelAt('/k/bzImage'), initramfs: '/i.cpio', jobDir: '/j', bootTimeoutMs: 1, jobTimeoutMs: 1 }, l1Accel('flags\t: fpu sse2', true)).join(' ');
  t.match(args, /-accel tcg,thread=multi -cpu max/);
  t.match(args, /-no-reboot/);
  t.match(args, /-kernel \/k\/bzImage -initrd \/i\.cpio/);
  t.match(args, /-append console=ttyS0 .*panic=-1 oops=panic softlockup_panic=1 watchdog_thresh=60 rcupdate\.rcu_cpu_stall_timeout=120 sysctl\.kernel\.panic_on_rcu_stall=1 slotlab\.job=\/j/);
  t.match(args, /local,path=\/,mount_tag=hostroot,security_model=none,readonly=on/);
  t.match(args, /local,path=\/j,mount_tag=job,security_model=none/);
});

t.test('shadow paging: both vendors\' two-dimensional paging turned off on the kernel command line, only when asked', async (t) => {
  const options = { kernel: kernelAt('/k/bzImage'), initramfs: '/i.cpio', jobDir: '/j', bootTimeoutMs: 1, jobTimeoutMs: 1 };
  const shadow = l1QemuArgs({ ...options, paging: 'shadow' }, l1Accel('flags\t: fpu sse2', true));
  t.match(shadow[shadow.indexOf('-append') + 1], / slotlab\.job=\/j kvm_amd\.npt=0 kvm_intel\.ept=0$/);
  const tdp = l1QemuArgs({ ...options, paging: 'tdp' }, l1Accel('flags\t: fpu sse2', true));
  t.notMatch(tdp[tdp.indexOf('-append') + 1], /npt|ept/);
});

t.test('folders shared read-write besides the job folder: one 9p export each, named on the command line for init', async (t) => {
  const options = { kernel: kernelAt('/k/bzImage'), initramfs: '/i.cpio', jobDir: '/j', bootTimeoutMs: 1, jobTimeoutMs: 1 };
  const accel = l1Accel('flags\t: fpu sse2', true);
  const args = l1QemuArgs({ ...options, writable: ['/c/cache', '/d'] }, accel);
  t.match(args[args.indexOf('-append') + 1], / slotlab\.rw=\/c\/cache,\/d$/);
  t.ok(args.includes('local,path=/c/cache,mount_tag=rw0,security_model=none,multidevs=remap'), 'the first as rw0');
  t.ok(args.includes('local,path=/d,mount_tag=rw1,security_model=none,multidevs=remap'), 'the second as rw1');
  t.notOk(args.some((arg) => /mount_tag=rw\d,.*readonly/.test(arg)), 'neither read-only');
  const none = l1QemuArgs(options, accel);
  t.notMatch(none[none.indexOf('-append') + 1], /slotlab\.rw/, 'none asked for, none named');
  t.throws(() => l1QemuArgs({ ...options, writable: ['relative/cache'] }, accel), { code: 'L1_SHARE_INVALID', message: /absolute path without spaces or commas/ });
  t.throws(() => l1QemuArgs({ ...options, writable: ['/a,b'] }, accel), { code: 'L1_SHARE_INVALID' });
  // init mounts each tag at its path, read-write, before the job runs.
  const init = fs.readFileSync(path.join(imagesDir, 'l1', 'init'), 'utf8');
  t.match(init, /slotlab\\\.rw=/, 'init reads slotlab.rw');
  t.match(init, /mount -t 9p -o "\$p9" "rw\$i" "\/newroot\$folder"/, 'and mounts rw<i> at the same path');
});

t.test('L1 runs on KVM where the host offers nested virtualisation, else under TCG with emulated SVM', async (t) => {
  t.same(l1Accel('processor\t: 0\nflags\t\t: fpu vme svm npt\n', true), { accel: 'kvm', cpu: 'host' });
  t.same(l1Accel('flags\t\t: fpu vmx ept\n', true), { accel: 'kvm', cpu: 'host' });
  t.same(l1Accel('flags\t\t: fpu vmx ept\n', false), { accel: 'tcg,thread=multi', cpu: 'max' }, 'no usable /dev/kvm');
  t.same(l1Accel('flags\t\t: fpu sse2 hypervisor\n', true), { accel: 'tcg,thread=multi', cpu: 'max' }, 'no SVM/VMX offered (this machine)');
});

t.test('a kernel file QEMU cannot load ends with an L1Error quoting QEMU', async (t) => {
  const dir = tempDir(t);
  const error = await runInL1({ kernel: kernelAt(path.join(dir, 'missing')), initramfs: path.join(dir, 'missing.cpio'), jobDir: dir, bootTimeoutMs: 30_000, jobTimeoutMs: 60_000 }).catch((e: unknown) => e);
  t.type(error, L1Error);
  t.match((error as Error).message, /kernel under test test-kernel: L1 ended \(QEMU exit code 1\) before the job reported its end/);
  t.match((error as L1Error).consoleTail, /missing/);
  t.type(error, ProcessError, "a process failure like every other: QEMU's command, exit, duration, output tail");
  t.match((error as L1Error).command.join(' '), /qemu-system-x86_64 .*-kernel .*missing/);
  t.equal((error as L1Error).exitCode, 1);
  t.equal((error as L1Error).outputTail, (error as L1Error).consoleTail);
  t.ok((error as L1Error).durationMs > 0);
});

t.test('a kernel that never starts the init is killed at the boot timeout', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'empty.cpio'), '');
  const lines: string[] = [];
  // The spin image boots (multiboot) but is no Linux: no "slotlab-l1: up" ever comes.
  const error = await runInL1({ kernel: kernelAt(imagePath('spin')), initramfs: path.join(dir, 'empty.cpio'), jobDir: dir, bootTimeoutMs: 4000, jobTimeoutMs: 60_000, onLine: (line) => lines.push(line) }).catch((e: unknown) => e);
  t.type(error, L1Error);
  t.match((error as L1Error).reason, /no init output within 4000 ms of launch \(boot hang\)/);
  t.same(trackedProcesses(), [], 'QEMU is gone');
});

t.test('an L1 that comes up but never starts its job is killed, not left to the job budget', async (t) => {
  const dir = tempDir(t);
  // A real kernel under test whose init says it is up, then hangs where 9p and KVM would be set up.
  const kernel = await findKernel('6.1-stock').resolve();
  const initramfs = await buildBusyboxInitramfs({ output: path.join(dir, 'hang.cpio'), init: Buffer.from('#!/bin/busybox sh\n/bin/busybox echo "slotlab-l1: up hanging"\nexec /bin/busybox sleep 100000\n'), folders: [] });
  // L1 is up within seconds under TCG; 30 s to start the job, against a job budget 30 times that.
  const error = await runInL1({ kernel, initramfs: initramfs.path, jobDir: dir, bootTimeoutMs: 30_000, jobTimeoutMs: 900_000 }).catch((e: unknown) => e);
  t.type(error, L1Error);
  t.match((error as L1Error).reason, /L1 came up but reported no KVM capabilities within 30000 ms \(a hang before its job started\)/);
  t.same(trackedProcesses(), [], 'QEMU is gone');
});
