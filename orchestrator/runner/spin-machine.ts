import type { ResolvedBuild } from '../builds/build-types.js';
import { SPIN, type SpinConfig, encodeSpinConfig } from '../images/spin-contract.js';
import { QemuMachine } from '../machine/machine.js';

export interface SpinMachineShape {
  type: string;
  options?: Record<string, string>;
  memoryMiB: number;
  memorySlots?: number;
  maxMemoryMiB?: number;
  /** `-device` arguments, e.g. `VGA` (whose low window SMRAM covers and uncovers). */
  devices?: string[];
  /** Cold-plugged DIMMs: `<id>` is the pc-dimm, `<id>-mem` its memory-backend-ram. */
  dimms?: { id: string; sizeMiB: number; address?: number }[];
}

export function dimmArgs(dimms: NonNullable<SpinMachineShape['dimms']>): string[] {
  return dimms.flatMap((dimm) => [
    '-object',
    `memory-backend-ram,id=${dimm.id}-mem,size=${dimm.sizeMiB}M`,
    '-device',
    `pc-dimm,id=${dimm.id},memdev=${dimm.id}-mem${dimm.address === undefined ? '' : `,addr=0x${dimm.address.toString(16)}`}`,
  ]);
}

/** A KVM machine running the `spin` guest on a build, configured through fw_cfg; not yet launched. */
export function spinMachine(build: ResolvedBuild, shape: SpinMachineShape, spin: SpinConfig, image: string): QemuMachine {
  return new QemuMachine({
    binary: build.binary,
    env: build.env,
    dataDirs: build.dataDirs,
    machineType: shape.type,
    machineOptions: shape.options,
    accel: 'kvm',
    cpus: spin.cpus,
    memoryMiB: shape.memoryMiB,
    memorySlots: shape.memorySlots,
    maxMemoryMiB: shape.maxMemoryMiB,
    kernel: image,
    fwCfg: [{ name: SPIN.fwCfgName, data: encodeSpinConfig(spin) }],
    extraArgs: [...(shape.devices ?? []).flatMap((device) => ['-device', device]), ...dimmArgs(shape.dimms ?? [])],
  });
}
