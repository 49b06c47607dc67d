import { z } from 'zod';

/** What a QEMU build does about an overlapping delete+add (and, mmio-aware, about a zero-length fetch exit). */
export const BUILD_FAMILIES = ['stock', 'paused-vcpu', 'atomic-ioctl', 'mmio-aware'] as const;
export type BuildFamily = (typeof BUILD_FAMILIES)[number];

/**
 * The fix a cell (a build on a kernel) carries, from the build's family and the
 * kernel's capabilities (cell-family.ts): the column a suite's expectation is
 * written for. `mmio-exit` is any QEMU that resumes zero-length fetch exits on
 * a kernel that raises them.
 */
export const CELL_FAMILIES = ['stock', 'paused-vcpu', 'atomic-ioctl', 'mmio-exit', 'mmio-aware'] as const;
export type CellFamily = (typeof CELL_FAMILIES)[number];

export const BUILD_KINDS = ['system-package', 'backports-package', 'source-build', 'user-source', 'user-binary'] as const;
export type BuildKind = (typeof BUILD_KINDS)[number];

export const KERNEL_KINDS = ['source-build', 'debian-package', 'user-bzimage'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const patchProvenanceSchema = z.object({ name: z.string(), sha256 });
export type PatchProvenance = z.infer<typeof patchProvenanceSchema>;

/** Where a build's binary came from and what exactly it is; copied into every result record. */
export const buildProvenanceSchema = z.object({
  name: z.string(),
  family: z.enum(BUILD_FAMILIES),
  kind: z.enum(BUILD_KINDS),
  /** Debian package and version, source tree or path the binary came from. */
  source: z.string(),
  binary: z.string(),
  /** First line of `qemu-system-x86_64 --version`. */
  version: z.string(),
  sha256,
  /** Source builds: the QEMU base (e.g. `7.2`) and the variant of qemu-patches/<base>/ applied to it. */
  base: z.string().optional(),
  variant: z.string().optional(),
  /** Source builds: the series in the order applied, each patch with its sha256. */
  patches: z.array(patchProvenanceSchema).optional(),
  /** Source builds: the configure command line. */
  configure: z.string().optional(),
  /** Source builds: when the build finished (ISO 8601) and how long it took. */
  builtAt: z.string().optional(),
  buildSeconds: z.number().optional(),
  /** Source builds: the cache key (source version, patch hashes, configure flags). */
  cacheKey: z.string().optional(),
});
export type BuildProvenance = z.infer<typeof buildProvenanceSchema>;

/** Where a kernel under test came from and what exactly it is; copied into every record of a run under it. */
export const kernelProvenanceSchema = z.object({
  name: z.string(),
  kind: z.enum(KERNEL_KINDS),
  /** Debian package and version, or the file a user gave. */
  source: z.string(),
  bzImage: z.string(),
  sha256,
  /** Source builds: the kernel base (e.g. `6.1`) and the variant of qemu-patches/linux-<base>/ applied. */
  base: z.string().optional(),
  variant: z.string().optional(),
  patches: z.array(patchProvenanceSchema).optional(),
  /** Source builds: sha256 of the .config the kernel was built with. */
  configSha256: z.string().optional(),
  builtAt: z.string().optional(),
  buildSeconds: z.number().optional(),
  cacheKey: z.string().optional(),
});
export type KernelProvenance = z.infer<typeof kernelProvenanceSchema>;
