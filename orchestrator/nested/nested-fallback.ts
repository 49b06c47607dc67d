import { kvmProblem } from '../machine/machine.js';
import { NESTED_KERNEL, kvmWithoutLinuxGuests } from '../runner/linux-guest.js';

export interface NestedFallback {
  /** The kernel under test the run goes into, booted as L1 under TCG with emulated SVM. */
  kernel: string;
  /** Why this host's own KVM cannot run the guest, as a sentence part. */
  why: string;
}

/**
 * Where this host's KVM cannot run a suite's guest (no usable /dev/kvm at all, or a
 * KVM that cannot boot Linux and a Linux guest), the kernel under test that can, and why.
 */
export function nestedFallback(guestImage: 'spin' | 'linux' | 'firmware', kvmDevice = '/dev/kvm', sysModule = '/sys/module'): NestedFallback | undefined {
  const problem = kvmProblem(kvmDevice);
  if (problem !== undefined) return { kernel: NESTED_KERNEL, why: `this host has no usable KVM (/dev/kvm is not usable: ${problem})` };
  const module = guestImage === 'linux' ? kvmWithoutLinuxGuests(sysModule) : undefined;
  return module ? { kernel: NESTED_KERNEL, why: `this host's /dev/kvm comes from ${module}, which cannot boot a Linux guest` } : undefined;
}
