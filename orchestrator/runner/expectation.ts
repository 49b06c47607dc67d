import type { BuildFamily } from '../builds/build-types.js';
import type { Expectation } from '../results/record.js';
import type { HostInfo } from './host-info.js';

/**
 * What a suite expects of a build on this host. The atomic-ioctl family is a
 * fix only where the kernel has KVM_SET_USER_MEMORY_REGION_LIST; on any other
 * kernel its QEMU falls back to stock behaviour and is held to stock's line.
 */
export function expectationFor(expect: Partial<Record<BuildFamily, Expectation>>, family: BuildFamily, host: Pick<HostInfo, 'kvm'>): Expectation | null {
  if (family === 'atomic-ioctl' && host.kvm !== undefined && !((host.kvm.USER_MEMORY_REGION_LIST ?? 0) > 0)) return expect.stock ?? null;
  return expect[family] ?? null;
}

/** QEMU's warning lines (`qemu-system-x86_64: warning: ...`) from its output, at most `limit`. */
export function qemuWarnings(output: string, limit = 5): string[] {
  return output
    .split('\n')
    .filter((line) => / warning: /.test(line))
    .slice(0, limit);
}
