import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEnv } from '../builds/build-config.js';
import { buildKey } from '../builds/build-cache.js';
import { withBuildLock } from '../builds/build-lock.js';
import { type ArtifactRecipe, produceArtifact, readInstalledArtifact } from '../builds/artifact-pipeline.js';
import { runBuildStep } from '../builds/build-step.js';
import { switchVariantTree } from '../builds/variant-tree.js';
import type { BuildLog, BuildProgress } from '../builds/build-types.js';
import type { SeriesPatch } from '../builds/patch-series.js';
import { sha256File } from '../builds/provenance.js';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { KERNEL_BUILD_PACKAGES, KERNEL_CONFIG_DISABLED, KERNEL_CONFIG_OPTIONS, configScriptArgs, missingOptions } from './kernel-config.js';
import type { KernelProvenance } from './kernel-types.js';
import type { LinuxSource } from './linux-source.js';

/** One kernel source build: Debian's linux-source, a patch series on top, our configuration. */
export interface KernelBuildSpec {
  name: string;
  base: string;
  variant: string;
  source: LinuxSource;
  patches: readonly SeriesPatch[];
}

export class KernelConfigError extends SlotlabError {
  constructor(name: string, missing: string[], configFile: string) {
    super(
      'KERNEL_CONFIG',
      `kernel ${name}: olddefconfig dropped ${missing.map((option) => `CONFIG_${option}`).join(', ')} (a dependency is missing in this source); ` +
        `see ${configFile} and adjust orchestrator/kernels/kernel-config.ts`,
    );
  }
}

export function localVersion(spec: KernelBuildSpec): string {
  return `-slotlab-${spec.variant}`;
}

export function kernelBuildKey(spec: KernelBuildSpec): string {
  const config = [...KERNEL_CONFIG_OPTIONS, ...KERNEL_CONFIG_DISABLED.map((option) => `!${option}`), `LOCALVERSION=${localVersion(spec)}`];
  return buildKey({ sourceVersion: `linux-source-${spec.base} ${spec.source.version}`, patches: spec.patches, configureFlags: config });
}

export function kernelInstallDir(name: string, key: string): string {
  return path.join(cacheRoot(), 'kernel-builds', name, key);
}

/** The installed kernel for exactly these inputs, or undefined when it has to be built. */
export function installedKernel(spec: KernelBuildSpec): KernelProvenance | undefined {
  return readInstalledArtifact<KernelProvenance>(kernelInstallDir(spec.name, kernelBuildKey(spec)), ['bzImage']);
}

export function kernelWorkDir(): string {
  return path.join(cacheRoot(), 'linux-work');
}

/** Fixed build metadata, so a rebuild from the same inputs compiles (and hits ccache) the same way. */
function kbuildEnv(work: string): Record<string, string> {
  // KBUILD_BUILD_VERSION: a kept build folder would count its builds into the version string (#2, #3...).
  return { ...buildEnv(work), KBUILD_BUILD_USER: 'slotlab', KBUILD_BUILD_HOST: 'slotlab', KBUILD_BUILD_TIMESTAMP: '2022-01-01', KBUILD_BUILD_VERSION: '1' };
}

/** A kernel source build as a recipe of the artifact pipeline. */
export function kernelRecipe(spec: KernelBuildSpec): ArtifactRecipe<KernelProvenance> {
  const work = kernelWorkDir();
  const tree = kernelTree(spec);
  const key = kernelBuildKey(spec);
  const dir = kernelInstallDir(spec.name, key);
  return {
    name: spec.name,
    packages: KERNEL_BUILD_PACKAGES,
    workDir: work,
    logsDir: tree.logs,
    installDir: dir,
    installed: () => installedKernel(spec),
    prepare: ({ log, progress }) => patchKernelTree(spec, tree, log, progress),
    configure: ({ progress }) => configureKernelTree(spec, tree, progress),
    async compile({ progress }) {
      progress?.({ build: spec.name, phase: 'compile' });
      let compiled = 0;
      await makeTargets(spec, tree, ['bzImage'], (line) => {
        if (/^\s+CC\s/.test(line) && ++compiled % 50 === 0) progress?.({ build: spec.name, phase: 'compile', done: compiled });
      });
    },
    outputs: () => [
      { from: path.join(tree.build, 'arch', 'x86', 'boot', 'bzImage'), to: 'bzImage' },
      { from: path.join(tree.build, '.config'), to: 'config' },
    ],
    async provenance(staging, { startedAt }) {
      return {
        name: spec.name,
        kind: 'source-build',
        source: `Debian linux-source-${spec.base} ${spec.source.version}`,
        bzImage: path.join(dir, 'bzImage'),
        sha256: sha256File(path.join(staging, 'bzImage')),
        base: spec.base,
        variant: spec.variant,
        patches: spec.patches.map(({ name, sha256 }) => ({ name, sha256 })),
        configSha256: createHash('sha256').update(fs.readFileSync(path.join(staging, 'config'))).digest('hex'),
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - startedAt) / 1000),
        cacheKey: key,
      };
    },
  };
}

/**
 * Brings the base's kept tree to the variant's series (variant-tree.ts),
 * configures it (allnoconfig + our options), compiles bzImage out of tree in
 * the base's kept build folder (only what the patches touch recompiles; ccache
 * behind it) and installs it with its .config and provenance. A cache hit
 * returns at once.
 */
export async function buildKernel(spec: KernelBuildSpec, log: BuildLog, progress?: BuildProgress): Promise<KernelProvenance> {
  return produceArtifact(kernelRecipe(spec), log, progress);
}

/**
 * Patches and configures the tree, then compiles only `objects` (paths of .o
 * files): proof that a patch applies and the files it touches compile, without
 * a whole kernel. Returns the build folder.
 */
export async function compileKernelObjects(spec: KernelBuildSpec, objects: readonly string[], log: BuildLog): Promise<string> {
  await ensurePackages(KERNEL_BUILD_PACKAGES, log);
  const tree = kernelTree(spec);
  return withBuildLock(kernelWorkDir(), async () => {
    fs.rmSync(tree.logs, { recursive: true, force: true });
    await patchKernelTree(spec, tree, log);
    await configureKernelTree(spec, tree);
    await makeTargets(spec, tree, objects);
    return tree.build;
  });
}

/** The work folder's parts for one kernel: the patched copy, the out-of-tree build folder, this build's logs. */
interface KernelTree {
  src: string;
  build: string;
  logs: string;
}

/** One kept tree and build folder per base: the variants of a base share every object their patches do not touch. */
function kernelTree(spec: KernelBuildSpec): KernelTree {
  const work = kernelWorkDir();
  return { src: path.join(work, spec.base, 'src'), build: path.join(work, spec.base, 'build'), logs: path.join(work, 'logs', spec.name) };
}

async function patchKernelTree(spec: KernelBuildSpec, tree: KernelTree, log: BuildLog, progress?: BuildProgress): Promise<void> {
  progress?.({ build: spec.name, phase: 'patch' });
  await switchVariantTree({ build: spec.name, env: kbuildEnv(kernelWorkDir()), pristine: spec.source.tree, into: tree.src, buildDir: tree.build, patches: spec.patches, logFile: path.join(tree.logs, 'patch.log'), log });
}

/** allnoconfig, our options (scripts/config), olddefconfig; refuses a configuration that lost one of our options. */
async function configureKernelTree(spec: KernelBuildSpec, tree: KernelTree, progress?: BuildProgress): Promise<void> {
  const work = kernelWorkDir();
  const step = { build: spec.name, env: kbuildEnv(work), step: 'configure' as const, cwd: work, logFile: path.join(tree.logs, 'configure.log') };
  progress?.({ build: spec.name, phase: 'configure' });
  fs.mkdirSync(tree.build, { recursive: true });
  const configFile = path.join(tree.build, '.config');
  await runBuildStep({ ...step, command: 'make', args: ['-C', tree.src, `O=${tree.build}`, 'allnoconfig'] });
  await runBuildStep({
    ...step,
    command: path.join(tree.src, 'scripts', 'config'),
    args: [...configScriptArgs(configFile), '--set-str', 'LOCALVERSION', localVersion(spec), '--disable', 'LOCALVERSION_AUTO'],
  });
  await runBuildStep({ ...step, command: 'make', args: ['-C', tree.src, `O=${tree.build}`, 'olddefconfig'] });
  const missing = missingOptions(fs.readFileSync(configFile, 'utf8'));
  if (missing.length > 0) throw new KernelConfigError(spec.name, missing, configFile);
}

async function makeTargets(spec: KernelBuildSpec, tree: KernelTree, targets: readonly string[], onLine?: (line: string) => void): Promise<void> {
  const work = kernelWorkDir();
  await runBuildStep({
    build: spec.name,
    env: kbuildEnv(work),
    step: 'compile',
    command: 'make',
    args: ['-C', tree.src, `O=${tree.build}`, `-j${os.availableParallelism()}`, ...targets],
    cwd: work,
    logFile: path.join(tree.logs, 'compile.log'),
    onLine,
  });
}
