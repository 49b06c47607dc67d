import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { type ArtifactRecipe, produceArtifact } from './artifact-pipeline.js';
import { BUILD_PACKAGES, CONFIGURE_FLAGS, buildEnv, configureLine } from './build-config.js';
import { INSTALLED_BINARY, buildKey, installDir, readInstalled } from './build-cache.js';
import { ninjaCompile, ninjaConfigure } from './build-step.js';
import { switchVariantTree } from './variant-tree.js';
import type { BuildFamily, BuildLog, BuildProgress, BuildProvenance } from './build-types.js';
import type { SeriesPatch } from './patch-series.js';
import { qemuVersionLine, sha256File } from './provenance.js';
import type { QemuSource } from './qemu-source.js';

/** One source build: a QEMU source, a patch series on top, our configure flags. */
export interface SourceBuildSpec {
  name: string;
  family: BuildFamily;
  base: string;
  variant: string;
  source: QemuSource;
  patches: readonly SeriesPatch[];
}

export function sourceBuildKey(spec: SourceBuildSpec): string {
  return buildKey({ sourceVersion: spec.source.version, patches: spec.patches, configureFlags: CONFIGURE_FLAGS });
}

/** The installed build for exactly these inputs, or undefined when it has to be built. */
export function installedSourceBuild(spec: SourceBuildSpec): { dir: string; provenance: BuildProvenance } | undefined {
  const dir = installDir(spec.name, sourceBuildKey(spec));
  const provenance = readInstalled(dir);
  return provenance ? { dir, provenance } : undefined;
}

export function workDir(): string {
  return path.join(cacheRoot(), 'qemu-work');
}

/** A QEMU source build as a recipe of the artifact pipeline. */
export function sourceBuildRecipe(spec: SourceBuildSpec): ArtifactRecipe<BuildProvenance> {
  const work = workDir();
  // One kept tree and build folder per base: a variant after another rebuilds only what their patches touch.
  const src = path.join(work, spec.base, 'src');
  const build = path.join(work, spec.base, 'build');
  const logs = path.join(work, 'logs', spec.name);
  const env = buildEnv(work);
  const key = sourceBuildKey(spec);
  const dir = installDir(spec.name, key);
  let configured = configureLine();
  return {
    name: spec.name,
    packages: BUILD_PACKAGES,
    workDir: work,
    logsDir: logs,
    installDir: dir,
    installed: () => installedSourceBuild(spec)?.provenance,
    async prepare({ log, progress }) {
      progress?.({ build: spec.name, phase: 'patch' });
      await switchVariantTree({ build: spec.name, env, pristine: spec.source.tree, into: src, buildDir: build, patches: spec.patches, logFile: path.join(logs, 'patch.log'), log });
    },
    async configure({ log, progress }) {
      configured = await ninjaConfigure({ build: spec.name, src, buildDir: build, env, logs, progress, log });
    },
    async compile({ progress }) {
      await ninjaCompile({ build: spec.name, src, buildDir: build, env, logs, progress });
    },
    outputs: () => [{ from: path.join(build, 'qemu-system-x86_64'), to: INSTALLED_BINARY, mode: 0o755 }],
    async provenance(staging, { startedAt }) {
      return {
        name: spec.name,
        family: spec.family,
        kind: 'source-build',
        source: `Debian source qemu ${spec.source.version}`,
        binary: path.join(dir, INSTALLED_BINARY),
        version: await qemuVersionLine(path.join(staging, INSTALLED_BINARY), {}),
        sha256: sha256File(path.join(staging, INSTALLED_BINARY)),
        base: spec.base,
        variant: spec.variant,
        patches: spec.patches.map(({ name, sha256 }) => ({ name, sha256 })),
        configure: configured,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - startedAt) / 1000),
        cacheKey: key,
      };
    },
  };
}

/**
 * Brings the base's kept tree to the variant's series (variant-tree.ts: a
 * hard-linked copy of the pristine tree the first time), configures when the
 * line changed, compiles only qemu-system-x86_64 (ninja rebuilds what the
 * patches touched) and installs the binary with its provenance.
 * A cache hit returns at once.
 */
export async function buildFromSource(spec: SourceBuildSpec, log: BuildLog, progress?: BuildProgress): Promise<BuildProvenance> {
  return produceArtifact(sourceBuildRecipe(spec), log, progress);
}
