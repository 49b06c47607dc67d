import type { ResolvedBuild } from '../builds/build-types.js';
import { SPIN, type SpinConfig, encodeSpinConfig } from '../images/spin-contract.js';
import { QemuMachine } from '../machine/machine.js';

export interface SpinMachineShape {
  type: string;
  options?: Record<string, string>;
  memoryMiB: number;
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
    kernel: image,
    fwCfg: [{ name: SPIN.fwCfgName, data: encodeSpinConfig(spin) }],
  });
}
