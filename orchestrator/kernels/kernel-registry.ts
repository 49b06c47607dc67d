import fs from 'node:fs';
import path from 'node:path';
import { BuildNotReadyError } from '../builds/build-errors.js';
import type { BuildProgress } from '../builds/build-types.js';
import { readSeries } from '../builds/patch-series.js';
import { KERNEL_BUILD_PACKAGES } from './kernel-config.js';
import { sha256File } from '../builds/provenance.js';
import { patchesRoot } from '../builds/qemu-variants.js';
import { SlotlabError } from '../errors.js';
import { type KernelBuildSpec, buildKernel, installedKernel } from './kernel-build.js';
import { debianBackportsKernel, debianKernel } from './debian-kernel.js';
import type { KernelDefinition, ResolvedKernel } from './kernel-types.js';
import { cachedLinuxSource, debianLinuxSource } from './linux-source.js';

export class UnknownKernelError extends SlotlabError {
  constructor(name: string) {
    super(
      'UNKNOWN_KERNEL',
      `unknown kernel '${name}'; known kernels: ${KERNELS.map((kernel) => kernel.name).join(', ')}, or the path of a bzImage (see \`slotlab kernels\`)`,
    );
  }
}

interface KernelVariant {
  base: string;
  variant: string;
  description: string;
}

const VARIANTS: readonly KernelVariant[] = [
  { base: '6.1', variant: 'stock', description: "Linux 6.1 from Debian's linux-source-6.1, no patches of ours" },
  {
    base: '6.1',
    variant: 'atomic-ioctl',
    description: 'Linux 6.1 + qemu-patches/linux-6.1/atomic-ioctl: KVM_SET_USER_MEMORY_REGION_LIST applies a list of memslot changes in one swap',
  },
  {
    base: '6.1',
    variant: 'mmio-exit',
    description:
      'Linux 6.1 + qemu-patches/linux-6.1/mmio-exit: an instruction fetch from a GPA without a memslot exits to userspace as a zero-length MMIO read (KVM_CAP_X86_MMIO_FETCH_EXIT, 4098) instead of an internal error',
  },
  { base: '6.12', variant: 'stock', description: "Linux 6.12 from Debian bookworm-backports' linux-source-6.12, no patches of ours" },
  {
    base: '6.12',
    variant: 'atomic-ioctl',
    description:
      'Linux 6.12 + qemu-patches/linux-6.12/atomic-ioctl: the list ioctl ported (v1 entries as on 6.1, and KVM_SET_USER_MEMORY_REGION2_LIST with region2 entries; guest_memfd entries refused)',
  },
];

export function kernelSpec(variant: { base: string; variant: string }, source: KernelBuildSpec['source']): KernelBuildSpec {
  const dir = path.join(patchesRoot, `linux-${variant.base}`, variant.variant);
  return { name: `${variant.base}-${variant.variant}`, base: variant.base, variant: variant.variant, source, patches: readSeries(dir) };
}

function definition(variant: KernelVariant): KernelDefinition {
  const name = `${variant.base}-${variant.variant}`;
  return {
    name,
    description: variant.description,
    packages: KERNEL_BUILD_PACKAGES,
    async prepare(log, progress?: BuildProgress) {
      if (!cachedLinuxSource(variant.base)) progress?.({ build: name, phase: 'fetch' });
      const source = await debianLinuxSource(variant.base, log);
      await buildKernel(kernelSpec(variant, source), log, progress);
    },
    async resolve(): Promise<ResolvedKernel> {
      const source = cachedLinuxSource(variant.base);
      if (!source) throw new BuildNotReadyError(name, `linux-source-${variant.base} not fetched yet`, `slotlab kernel build ${name}`);
      const provenance = installedKernel(kernelSpec(variant, source));
      if (!provenance) throw new BuildNotReadyError(name, 'not built for the current source, patches and configuration', `slotlab kernel build ${name}`);
      return { name, bzImage: provenance.bzImage, provenance };
    },
  };
}

export const KERNELS: readonly KernelDefinition[] = [...VARIANTS.map(definition), debianKernel, debianBackportsKernel];

/** A built-in kernel by name, or a user's bzImage by path (it must have everything the L1 init needs built in). */
export function findKernel(nameOrPath: string): KernelDefinition {
  const known = KERNELS.find((kernel) => kernel.name === nameOrPath);
  if (known) return known;
  if (nameOrPath.includes('/') && fs.existsSync(nameOrPath)) return userKernel(path.resolve(nameOrPath));
  throw new UnknownKernelError(nameOrPath);
}

function userKernel(file: string): KernelDefinition {
  const name = path.basename(file);
  return {
    name,
    description: `the bzImage ${file}`,
    async prepare() {},
    async resolve() {
      return { name, bzImage: file, provenance: { name, kind: 'user-bzimage', source: file, bzImage: file, sha256: sha256File(file) } };
    },
  };
}
