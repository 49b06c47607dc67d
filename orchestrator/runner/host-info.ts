import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { KernelProvenance } from '../kernels/kernel-types.js';
import { kvmProbePath } from '../images/l1-image.js';

export interface HostInfo {
  kernel: string;
  cpu: string;
  cpus: number;
  memoryGiB: number;
  /** KVM_CHECK_EXTENSION values of a fresh VM (kvm-probe caps), when the probe is built. */
  kvm?: Record<string, number>;
  /** Set when this host is a kernel under test booted by `slotlab run --kernel`. */
  kernelUnderTest?: KernelProvenance;
}

/**
 * The job a kernel-under-test run starts inside L1 names the kernel's
 * provenance file in this variable, so every record of that run carries it.
 */
export const KERNEL_PROVENANCE_ENV = 'SLOTLAB_KERNEL_PROVENANCE';

export function kvmCapabilities(probe = kvmProbePath()): Record<string, number> | undefined {
  if (!fs.existsSync(probe)) return undefined;
  try {
    return JSON.parse(execFileSync(probe, ['caps'], { encoding: 'utf8', timeout: 10_000 })) as Record<string, number>;
  } catch {
    return undefined;
  }
}

export function hostInfo(): HostInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // keep os.cpus()
  }
  const info: HostInfo = { kernel: `${os.type()} ${os.release()}`, cpu, cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const kvm = kvmCapabilities();
  if (kvm) info.kvm = kvm;
  const provenance = process.env[KERNEL_PROVENANCE_ENV];
  if (provenance) info.kernelUnderTest = JSON.parse(fs.readFileSync(provenance, 'utf8')) as KernelProvenance;
  return info;
}
