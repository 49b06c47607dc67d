import type { BuildLog, BuildProgress } from '../builds/build-types.js';
import type { KernelProvenance } from '../results/provenance.js';

export { KERNEL_KINDS, type KernelKind, type KernelProvenance } from '../results/provenance.js';

/** A kernel ready to boot as L1. */
export interface ResolvedKernel {
  name: string;
  bzImage: string;
  /** A modular kernel's modules: a cpio archive appended to the L1 initramfs (init loads /etc/slotlab-modules in order). */
  modules?: string;
  /** A packaged kernel as the Linux guest of a suite: its uncompressed ELF (PVH boot) and the guest's module archive. */
  guest?: { vmlinux: string; modules: string };
  provenance: KernelProvenance;
}

export interface KernelDefinition {
  name: string;
  description: string;
  /** Debian packages its prepare() installs when it builds (setup installs them in one go beforehand). */
  packages?: readonly string[];
  /** Makes the kernel present (fetch the source, patch, configure, compile); idempotent and cached. */
  prepare(log: BuildLog, progress?: BuildProgress): Promise<void>;
  /** Resolves an already built kernel, or throws BuildNotReadyError saying how to build it. */
  resolve(): Promise<ResolvedKernel>;
}
