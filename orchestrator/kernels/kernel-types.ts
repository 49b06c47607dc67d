import type { BuildLog, BuildProgress, PatchProvenance } from '../builds/build-types.js';

export const KERNEL_KINDS = ['source-build', 'debian-package', 'user-bzimage'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** Where a kernel under test came from and what exactly it is; copied into every record of a run under it. */
export interface KernelProvenance {
  name: string;
  kind: KernelKind;
  /** Debian package and version, or the file a user gave. */
  source: string;
  bzImage: string;
  sha256: string;
  /** Source builds: the kernel base (e.g. `6.1`) and the variant of qemu-patches/linux-<base>/ applied. */
  base?: string;
  variant?: string;
  patches?: PatchProvenance[];
  /** Source builds: sha256 of the .config the kernel was built with. */
  configSha256?: string;
  builtAt?: string;
  buildSeconds?: number;
  cacheKey?: string;
}

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
  /** Makes the kernel present (fetch the source, patch, configure, compile); idempotent and cached. */
  prepare(log: BuildLog, progress?: BuildProgress): Promise<void>;
  /** Resolves an already built kernel, or throws BuildNotReadyError saying how to build it. */
  resolve(): Promise<ResolvedKernel>;
}
