// tier: host
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { SPIN, decodeMailbox } from '../../orchestrator/images/spin-contract.js';
import { GuestTimeoutError, KvmUnavailableError, QemuStartError } from '../../orchestrator/machine/machine-errors.js';
import { QemuMachine, assertKvmUsable, settlesWithin } from '../../orchestrator/machine/machine.js';
import { trackedProcesses } from '../../orchestrator/machine/process-reaper.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM, kvmRunsGuest } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { spinMachine } from '../../orchestrator/runner/spin-machine.js';

t.test('launch, cont, serial banner, guest memory, shutdown', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 2);
  const dirMode = fs.statSync(machine.paths.dir).mode & 0o777;
  t.equal(dirMode, 0o700, 'private directory is 0700');
  t.equal((await machine.queryStatus()).status, 'prelaunch', 'starts paused (-S)');
  t.ok(trackedProcesses().includes(machine.pid!), 'registered with the reaper');
  await machine.cont();
  const banner = await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  t.equal(Number.parseInt(banner[1]!, 16), 2);
  const first = decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  t.ok(first.ready);
  t.equal(first.online, 2);
  t.equal(first.codeAddress, SPIN.defaultCodeAddress);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  t.ok(second.counters.every((value, index) => value > first.counters[index]!), 'every vCPU counter advances');
  const pid = machine.pid!;
  const result = await machine.shutdown();
  t.ok(result.graceful, 'quit was enough');
  t.equal(result.how, 'graceful');
  t.equal(result.exitCode, 0);
  t.notOk(fs.existsSync(machine.paths.dir), 'private directory removed');
  t.notOk(trackedProcesses().includes(pid));
  t.throws(() => process.kill(pid, 0), 'QEMU is gone');
});

t.test('paging on request: every vCPU runs its loop with CR3 at the suite\'s page tables, long mode on', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-bpo-10.0', 2, {}, { pageTables: 0x200000 });
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  const first = decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  t.ok(second.counters.every((value, index) => value > first.counters[index]!), 'every vCPU counter advances');
  for (const cpuIndex of [0, 1]) {
    const registers = await machine.qmp.hmp('info registers', { cpuIndex });
    const cr0 = Number.parseInt(/CR0=([0-9a-f]+)/.exec(registers)![1]!, 16);
    t.ok(cr0 & 0x8000_0000, `vCPU ${cpuIndex}: CR0.PG set (CR0=${cr0.toString(16)})`);
    t.match(registers, /CR3=0*200000\b/, `vCPU ${cpuIndex}: CR3 at 0x200000`);
    t.match(registers, /EFER=0*d00\b|EFER=0*500\b/, `vCPU ${cpuIndex}: EFER.LME and LMA`);
  }
  const memory = await machine.readGuestMemory(0x200000, 16);
  t.equal(memory.readUInt32LE(0), 0x201023, 'the PML4 entry points at the PDPT next to it (present, writable, accessed)');
});

t.test('a QEMU that aborts at start gives one error with its output', async (t) => {
  const build = await resolveBuild('debian-7.2');
  const machine = new QemuMachine({ binary: build.binary, machineType: 'no-such-machine', accel: 'tcg', cpus: 1, memoryMiB: 64 });
  t.teardown(() => machine.shutdown());
  const error = (await machine.launch().catch((e: unknown) => e)) as QemuStartError;
  t.type(error, QemuStartError);
  t.equal(error.code, 'QEMU_START_FAILED');
  t.equal(error.exitCode, 1);
  t.match(error.outputTail, /unsupported machine type/);
  t.match(error.message, /exited before connecting to QMP/);
  t.match(error.message, /no-such-machine/, 'names the command line');
});

t.test('a missing binary is a start failure too', async (t) => {
  const machine = new QemuMachine({ binary: '/nonexistent/qemu', machineType: 'pc', accel: 'tcg', cpus: 1, memoryMiB: 64 });
  t.teardown(() => machine.shutdown());
  await t.rejects(machine.launch(), { code: 'QEMU_START_FAILED' });
});

t.test('waiting for serial output that never comes names what it waited for', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  const error = await machine.waitSerial(/never printed/, 300, 'a line that never comes').catch((e: unknown) => e);
  t.type(error, GuestTimeoutError);
  t.match((error as Error).message, /300 ms waiting for a line that never comes/);
});

t.test('shutdown kills a QEMU that does not quit', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  process.kill(machine.pid!, 'SIGSTOP');
  const result = await machine.shutdown(300);
  t.equal(result.graceful, false);
  t.equal(result.how, 'killed');
  t.ok(result.durationMs >= 300, `killed after the quit timeout (${result.durationMs} ms)`);
  t.equal(result.signal, 'SIGKILL');
});

t.test('missing KVM is one clear error', async (t) => {
  t.throws(() => assertKvmUsable('/nonexistent/kvm'), KvmUnavailableError);
  t.throws(() => assertKvmUsable('/nonexistent/kvm'), { code: 'KVM_UNAVAILABLE', message: /Run as root on a host with KVM/ });
  if (await kvmRunsGuest()) t.doesNotThrow(() => assertKvmUsable(), 'QEMU ran a guest on /dev/kvm here, so it is usable');
  else t.throws(() => assertKvmUsable(), { code: 'KVM_UNAVAILABLE', message: /\/dev\/kvm/ }, 'QEMU could not run a guest on /dev/kvm here');
});

t.test('settlesWithin says whether a promise settled in time and leaves no timer behind', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  t.equal(await settlesWithin(Promise.resolve(), 60_000), true);
  t.equal(await settlesWithin(Promise.reject(new Error('exited badly')), 60_000), true, 'a rejection is settling too');
  t.equal(timers(), before, 'the 60 s timer is gone: a finished run does not wait it out at exit');
  t.equal(await settlesWithin(new Promise(() => {}), 20), false);
});

t.test('a QEMU killed by a signal during start-up is one start failure that names the signal, and leaves nothing behind', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-killed-');
  // Debian's real QEMU, SIGKILLed from the side a moment after it is started, long before it reaches QMP.
  const wrapper = path.join(dir, 'qemu-killed-at-start');
  fs.writeFileSync(wrapper, '#!/bin/sh\n(kill -KILL $$) &\nexec /usr/bin/qemu-system-x86_64 "$@"\n', { mode: 0o755 });
  const build = await resolveBuild('debian-7.2');
  const machine = spinMachine({ ...build, binary: wrapper }, { type: 'pc', memoryMiB: 128 }, { cpus: 1, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride }, imagePath('spin'));
  const error = await machine.launch().then(() => undefined, (caught: unknown) => caught);
  t.type(error, QemuStartError);
  const failure = error as QemuStartError;
  t.equal(failure.code, 'QEMU_START_FAILED');
  t.equal(failure.signal, 'SIGKILL');
  t.equal(failure.exitCode, undefined);
  t.match(failure.message, /exited before connecting to QMP \(exit code -, signal SIGKILL/);
  t.same(failure.command.slice(0, 1), [wrapper], 'the command as it was started');
  t.same(trackedProcesses(), [], 'no QEMU left');
  await machine.shutdown();
  t.notOk(fs.existsSync(machine.paths.dir), 'private directory removed');
});
