import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { KernelProvenance } from '../results/provenance.js';
import { HOST_CONTEXT, type RunContext, kernelUnderTest } from '../run-context.js';
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
  /** This kernel's boot id: inside a kernel under test, which L1 boot it is. */
  bootId?: string;
}

export function kvmCapabilities(probe = kvmProbePath()): Record<string, number> | undefined {
  if (!fs.existsSync(probe)) return undefined;
  try {
    return JSON.parse(execFileSync(probe, ['caps'], { encoding: 'utf8', timeout: 10_000 })) as Record<string, number>;
  } catch {
    return undefined;
  }
}

/** The CPU vendor where this process runs (inside a kernel under test: what L1's CPU says), e.g. AuthenticAMD. */
export function cpuVendor(): string | undefined {
  try {
    return /vendor_id\s*:\s*(\S+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** This host as a record tells it; inside a kernel under test (the run context says which) it names that kernel. */
export function hostInfo(context: RunContext = HOST_CONTEXT): HostInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // keep os.cpus()
  }
  const info: HostInfo = { kernel: `${os.type()} ${os.release()}`, cpu, cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const kvm = kvmCapabilities();
  if (kvm) info.kvm = kvm;
  try {
    info.bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // not Linux: no boot id
  }
  const kernel = kernelUnderTest(context);
  if (kernel) info.kernelUnderTest = kernel;
  return info;
}
