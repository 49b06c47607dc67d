import type { ResolvedBuild } from '../builds/build-types.js';
import { SPIN, type SpinConfig, encodeSpinConfig } from '../images/spin-contract.js';
import { type MachineOptions, QemuMachine } from '../machine/machine.js';
import type { MachineConfig } from '../machine/machine-types.js';
import { COMMIT_TRACE_EVENTS } from '../results/commit-trace.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';

export interface DimmShape {
  id: string;
  sizeMiB: number;
  address?: number;
  node?: number;
  /** `after-boot` DIMMs are not on the command line: the runner hot-plugs them once the guest is up. */
  plug?: 'start' | 'after-boot';
}

export interface VirtioMemShape {
  id: string;
  sizeMiB: number;
  requestedMiB: number;
  node?: number;
  blockSizeMiB?: number;
  dynamicMemslots?: 'auto' | 'on' | 'off';
}

export interface SpinMachineShape {
  type: string;
  options?: Record<string, string>;
  memoryMiB: number;
  memorySlots?: number;
  maxMemoryMiB?: number;
  /** `-device` arguments, e.g. `VGA` (whose low window SMRAM covers and uncovers). */
  devices?: string[];
  /** DIMMs: `<id>` is the pc-dimm, `<id>-mem` its memory-backend-ram. */
  dimms?: DimmShape[];
  /** NUMA nodes: boot RAM and every vCPU on node 0, the others empty. */
  numaNodes?: number;
  virtioMem?: VirtioMemShape[];
  /** `-overcommit cpu-pm=on`: HLT, MWAIT and PAUSE stay in the guest (the RFC's cost workload). */
  cpuPm?: boolean;
}

export function dimmArgs(dimms: DimmShape[]): string[] {
  return dimms
    .filter((dimm) => dimm.plug !== 'after-boot')
    .flatMap((dimm) => [
      '-object',
      `memory-backend-ram,id=${dimm.id}-mem,size=${dimm.sizeMiB}M`,
      '-device',
      `pc-dimm,id=${dimm.id},memdev=${dimm.id}-mem${dimm.address === undefined ? '' : `,addr=0x${dimm.address.toString(16)}`}${dimm.node === undefined ? '' : `,node=${dimm.node}`}`,
    ]);
}

export function numaArgs(nodes: number | undefined, memoryMiB: number, cpus: number): string[] {
  if (nodes === undefined) return [];
  const args = ['-object', `memory-backend-ram,id=slotlab-node0,size=${memoryMiB}M`, '-numa', `node,nodeid=0,cpus=0-${cpus - 1},memdev=slotlab-node0`];
  for (let node = 1; node < nodes; node++) args.push('-numa', `node,nodeid=${node}`);
  return args;
}

/** QEMU 8.2 added virtio-mem's dynamic-memslots; `auto` turns it on where the build has it. */
export function dynamicMemslotsOn(setting: VirtioMemShape['dynamicMemslots'], qemuVersion: string): boolean {
  if (setting !== 'auto') return setting === 'on';
  const match = /version (\d+)\.(\d+)/.exec(qemuVersion);
  return match !== null && (Number(match[1]) > 8 || (Number(match[1]) === 8 && Number(match[2]) >= 2));
}

export function virtioMemArgs(devices: VirtioMemShape[], qemuVersion: string): string[] {
  return devices.flatMap((device) => {
    const options = [`virtio-mem-pci,id=${device.id},memdev=${device.id}-mem,requested-size=${device.requestedMiB}M`];
    if (device.node !== undefined) options.push(`node=${device.node}`);
    if (device.blockSizeMiB !== undefined) options.push(`block-size=${device.blockSizeMiB}M`);
    if (dynamicMemslotsOn(device.dynamicMemslots, qemuVersion)) options.push('dynamic-memslots=on');
    return ['-object', `memory-backend-ram,id=${device.id}-mem,size=${device.sizeMiB}M`, '-device', options.join(',')];
  });
}

/** What every guest's machine shares: the build, machine type, memory and the devices of `shape`. */
export function machineBase(build: ResolvedBuild, shape: SpinMachineShape, cpus: number): MachineConfig {
  return {
    binary: build.binary,
    env: build.env,
    dataDirs: build.dataDirs,
    machineType: shape.type,
    machineOptions: shape.options,
    accel: 'kvm',
    cpus,
    memoryMiB: shape.memoryMiB,
    memorySlots: shape.memorySlots,
    maxMemoryMiB: shape.maxMemoryMiB,
    traceEvents: [...COMMIT_TRACE_EVENTS],
    extraArgs: [
      ...(shape.cpuPm ? ['-overcommit', 'cpu-pm=on'] : []),
      ...numaArgs(shape.numaNodes, shape.memoryMiB, cpus),
      ...(shape.devices ?? []).flatMap((device) => ['-device', device]),
      ...dimmArgs(shape.dimms ?? []),
      ...virtioMemArgs(shape.virtioMem ?? [], build.provenance.version),
    ],
  };
}

/** The machine's own waits (QMP connection, commands, quit), taken from the run context, and the CPUs its vCPUs are pinned to (`run --jobs`). */
export function machineWaits(timeouts: Timeouts, vcpuCpus: readonly number[] = []): MachineOptions {
  return { launchTimeoutMs: timeouts.qemuLaunchMs, commandTimeoutMs: timeouts.qmpCommandMs, shutdownTimeoutMs: timeouts.shutdownMs, ...(vcpuCpus.length > 0 ? { vcpuCpus } : {}) };
}

/** The machine of the `spin` guest on a build: the image booted by the firmware, its configuration in fw_cfg. */
export function spinMachineConfig(build: ResolvedBuild, shape: SpinMachineShape, spin: SpinConfig, image: string): MachineConfig {
  return { ...machineBase(build, shape, spin.cpus), kernel: image, fwCfg: [{ name: SPIN.fwCfgName, data: encodeSpinConfig(spin) }] };
}

/** A KVM machine running the `spin` guest on a build, configured through fw_cfg; not yet launched. */
export function spinMachine(build: ResolvedBuild, shape: SpinMachineShape, spin: SpinConfig, image: string, timeouts: Timeouts = HOST_CONTEXT.timeouts, options: Pick<MachineOptions, 'recordQmp'> = {}): QemuMachine {
  return new QemuMachine(spinMachineConfig(build, shape, spin, image), { ...machineWaits(timeouts), ...options });
}
