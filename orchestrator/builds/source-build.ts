import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { BUILD_PACKAGES, CONFIGURE_FLAGS, buildEnv, configureLine } from './build-config.js';
import { INSTALLED_BINARY, buildKey, installDir, readInstalled, withBuildLock } from './build-cache.js';
import { ninjaProgress, patchedCopy, runBuildStep } from './build-step.js';
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

/**
 * Patches a hard-linked copy of the pristine tree (GNU patch replaces the files
 * it changes, so the pristine tree stays intact), configures and compiles only
 * qemu-system-x86_64, and installs the binary with its provenance.
 * A cache hit returns at once.
 */
export async function buildFromSource(spec: SourceBuildSpec, log: BuildLog, progress?: BuildProgress): Promise<BuildProvenance> {
  const hit = installedSourceBuild(spec);
  if (hit) return hit.provenance;
  await ensurePackages(BUILD_PACKAGES, log);
  const key = sourceBuildKey(spec);
  return withBuildLock(workDir(), async () => {
    const started = Date.now();
    const work = workDir();
    const src = path.join(work, 'src');
    const build = path.join(work, 'build');
    const logs = path.join(work, 'logs', spec.name);
    fs.rmSync(logs, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(build, { recursive: true, force: true });
    const env = buildEnv(work);
    const step = { build: spec.name, env };

    progress?.({ build: spec.name, phase: 'patch' });
    await patchedCopy({ build: spec.name, env: env, pristine: spec.source.tree, into: src, patches: spec.patches, logFile: path.join(logs, 'patch.log'), log });

    progress?.({ build: spec.name, phase: 'configure' });
    fs.mkdirSync(build, { recursive: true });
    await runBuildStep({ ...step, step: 'configure', command: path.join(src, 'configure'), args: [...CONFIGURE_FLAGS], cwd: build, logFile: path.join(logs, 'configure.log') });

    progress?.({ build: spec.name, phase: 'compile' });
    await runBuildStep({
      ...step,
      step: 'compile',
      command: 'ninja',
      args: ['qemu-system-x86_64'],
      cwd: build,
      logFile: path.join(logs, 'compile.log'),
      onLine: (line) => {
        const counted = ninjaProgress(line);
        if (counted) progress?.({ build: spec.name, phase: 'compile', ...counted });
      },
    });

    progress?.({ build: spec.name, phase: 'install' });
    const dir = installDir(spec.name, key);
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(build, 'qemu-system-x86_64'), path.join(staging, INSTALLED_BINARY));
    fs.chmodSync(path.join(staging, INSTALLED_BINARY), 0o755);
    fs.cpSync(logs, path.join(staging, 'logs'), { recursive: true });
    const binary = path.join(dir, INSTALLED_BINARY);
    const provenance: BuildProvenance = {
      name: spec.name,
      family: spec.family,
      kind: 'source-build',
      source: `Debian source qemu ${spec.source.version}`,
      binary,
      version: await qemuVersionLine(path.join(staging, INSTALLED_BINARY), {}),
      sha256: sha256File(path.join(staging, INSTALLED_BINARY)),
      base: spec.base,
      variant: spec.variant,
      patches: spec.patches.map(({ name, sha256 }) => ({ name, sha256 })),
      configure: configureLine(),
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
      cacheKey: key,
    };
    fs.writeFileSync(path.join(staging, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
    log(`${spec.name}: built in ${provenance.buildSeconds} s -> ${binary}`);
    return provenance;
  });
}
