// tier: host
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { QemuMachine } from '../../orchestrator/machine/machine.js';
import { TooManyVcpusError, allowedCpus, cpuSlots, threadCpus } from '../../orchestrator/machine/vcpu-pinning.js';
import { spinMachineConfig } from '../../orchestrator/runner/spin-machine.js';

t.test("the CPU list: ranges and singles as the kernel writes them", async (t) => {
  t.same(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  t.same(allowedCpus('Cpus_allowed_list:\t5\n'), [5]);
  t.throws(() => allowedCpus('Name:\tnode\n'), /cannot read this process's CPU list/);
});

t.test('CPU slots: disjoint, vCPUs each; more vCPUs than CPUs is refused with what to do', async (t) => {
  t.same(cpuSlots(2, 1, [0, 1]), [[0], [1]]);
  t.same(cpuSlots(2, 3, [0, 1, 2, 3, 4, 5, 6]), [[0, 1, 2], [3, 4, 5]]);
  t.throws(() => cpuSlots(2, 3, [0, 1]), new TooManyVcpusError(2, 3, 2));
  t.throws(() => cpuSlots(2, 3, [0, 1]), /--jobs 2 runs 2 guests of 3 vCPU\(s\) at once.*needs 6 CPUs, and this process may use 2; use --jobs 1 or fewer vCPUs \(--cpus\)/);
  t.throws(() => cpuSlots(3, 1, [0, 1]), /needs 3 CPUs, and this process may use 2; use --jobs 2$/);
});

t.test("a real QEMU's vCPU threads pinned as asked, each on its own CPU (TCG, one thread per vCPU: no KVM needed)", async (t) => {
  const cpus = allowedCpus();
  t.ok(cpus.length >= 2, 'this machine has 2 CPUs or more');
  const build = await resolveBuild('debian-7.2');
  const config = { ...spinMachineConfig(build, { type: 'pc', memoryMiB: 64 }, { cpus: 2, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride }, imagePath('spin')), accel: 'tcg' as const };
  const wanted = [cpus[1]!, cpus[0]!];
  const machine = new QemuMachine(config, { vcpuCpus: wanted });
  t.teardown(() => machine.shutdown());
  await machine.launch();
  t.same(machine.pinned.map((pin) => [pin.vcpu, pin.cpu]), [[0, wanted[0]], [1, wanted[1]]]);
  t.not(machine.pinned[0]!.threadId, machine.pinned[1]!.threadId, 'a thread per vCPU');
  // What the kernel says, read from /proc, not from slotlab.
  for (const pin of machine.pinned) t.same(threadCpus(machine.pid!, pin.threadId), [pin.cpu], `vCPU ${pin.vcpu}'s thread may run on CPU ${pin.cpu} only`);
});
