import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { BUILD_PACKAGES } from './build-config.js';
import { BuildNotReadyError } from './build-errors.js';
import type { BuildDefinition, BuildFamily, BuildProgress, ResolvedBuild } from './build-types.js';
import { type SeriesPatch, readSeries } from './patch-series.js';
import { sha256File } from './provenance.js';
import { cachedQemuSource, debianQemuSource } from './qemu-source.js';
import { type SourceBuildSpec, buildFromSource, installedSourceBuild } from './source-build.js';

export const patchesRoot = path.join(repoRoot, 'qemu-patches');
/** The folder under a base whose series every variant of that base applies first. */
const COMMON_DIR = 'common';

interface Variant {
  base: string;
  variant: string;
  family: BuildFamily;
  inSetup: boolean;
  description: string;
}

const VARIANTS: readonly Variant[] = [
  { base: '7.2', variant: 'stock', family: 'stock', inSetup: true, description: "QEMU 7.2 built from Debian's source, no fix: only the tracing patch every variant carries (qemu-patches/7.2/common)" },
  {
    base: '7.2',
    variant: 'paused-vcpu',
    family: 'paused-vcpu',
    inSetup: true,
    description: 'QEMU 7.2 from source + qemu-patches/7.2/paused-vcpu: overlapping slot updates applied while no vCPU is in KVM',
  },
  {
    base: '7.2',
    variant: 'atomic-ioctl',
    family: 'atomic-ioctl',
    inSetup: true,
    description: 'QEMU 7.2 from source + qemu-patches/7.2/atomic-ioctl: slot updates through one atomic ioctl (needs a kernel that has it)',
  },
  {
    base: '7.2',
    variant: 'mmio-aware',
    family: 'mmio-aware',
    inSetup: true,
    description:
      'QEMU 7.2 from source + qemu-patches/7.2/mmio-aware: a zero-length fetch exit (kernel 6.1-mmio-exit) is resumed only while its own memory map change can explain it, otherwise the guest is stopped',
  },
  {
    base: '10.0',
    variant: 'stock',
    // Upstream since 8.0: the accelerator blocker keeps vCPUs out of KVM_RUN while overlapping slot updates are applied.
    family: 'paused-vcpu',
    inSetup: true,
    description: "QEMU 10.0 built from Debian trixie's source, no fix of ours (it carries upstream's accelerator blocker); only the tracing patch every variant carries (qemu-patches/10.0/common)",
  },
  {
    base: '10.0',
    variant: 'atomic-ioctl',
    family: 'atomic-ioctl',
    inSetup: true,
    description: "QEMU 10.0 from trixie's source + qemu-patches/10.0/atomic-ioctl: one list ioctl per memory transaction where the kernel has it, upstream's accelerator blocker otherwise",
  },
];

function variantDir(variant: Variant): string {
  return path.join(patchesRoot, variant.base, variant.variant);
}

/** Patches every variant of a base carries before its own (tracing only: qemu-patches/<base>/common), named `common/<file>`. */
export function commonPatches(base: string): SeriesPatch[] {
  const dir = path.join(patchesRoot, base, COMMON_DIR);
  if (!fs.existsSync(path.join(dir, 'series'))) return [];
  return readSeries(dir).map((patch) => ({ ...patch, name: `${COMMON_DIR}/${patch.name}` }));
}

function specFor(variant: Variant, name: string, source: SourceBuildSpec['source']): SourceBuildSpec {
  return { name, family: variant.family, base: variant.base, variant: variant.variant, source, patches: [...commonPatches(variant.base), ...readSeries(variantDir(variant))] };
}

function definition(variant: Variant): BuildDefinition {
  const name = `${variant.base}-${variant.variant}`;
  return {
    name,
    family: variant.family,
    description: variant.description,
    inSetup: variant.inSetup,
    packages: BUILD_PACKAGES,
    async prepare(log, progress?: BuildProgress) {
      if (!cachedQemuSource(variant.base)) progress?.({ build: name, phase: 'fetch' });
      const source = await debianQemuSource(variant.base, log);
      await buildFromSource(specFor(variant, name, source), log, progress);
    },
    async resolve(): Promise<ResolvedBuild> {
      const source = cachedQemuSource(variant.base);
      if (!source) throw new BuildNotReadyError(name, `QEMU ${variant.base} source not fetched yet`, `slotlab build ${name}`);
      const installed = installedSourceBuild(specFor(variant, name, source));
      if (!installed) throw new BuildNotReadyError(name, 'not built for the current source, patches and configure flags', `slotlab build ${name}`);
      const { provenance } = installed;
      return { name, binary: provenance.binary, env: {}, dataDirs: [], provenance: { ...provenance, sha256: sha256File(provenance.binary) } };
    },
  };
}

export const qemuVariantBuilds: readonly BuildDefinition[] = VARIANTS.map(definition);
