import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEnv } from '../builds/build-config.js';
import { buildKey, withBuildLock } from '../builds/build-cache.js';
import { patchedCopy, runBuildStep } from '../builds/build-step.js';
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
  const dir = kernelInstallDir(spec.name, kernelBuildKey(spec));
  const file = path.join(dir, 'provenance.json');
  if (!fs.existsSync(file) || !fs.existsSync(path.join(dir, 'bzImage'))) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as KernelProvenance;
}

export function kernelWorkDir(): string {
  return path.join(cacheRoot(), 'linux-work');
}

/** Fixed build metadata, so a rebuild from the same inputs compiles (and hits ccache) the same way. */
function kbuildEnv(work: string): Record<string, string> {
  return { ...buildEnv(work), KBUILD_BUILD_USER: 'slotlab', KBUILD_BUILD_HOST: 'slotlab', KBUILD_BUILD_TIMESTAMP: '2022-01-01' };
}

/**
 * Patches a hard-linked copy of the pristine tree, configures it (allnoconfig +
 * our options), compiles bzImage out of tree with ccache and installs it with
 * its .config and provenance. A cache hit returns at once. `target` other than
 * bzImage (e.g. `virt/kvm/kvm_main.o`) only checks that those files compile.
 */
export async function buildKernel(spec: KernelBuildSpec, log: BuildLog, progress?: BuildProgress): Promise<KernelProvenance> {
  const hit = installedKernel(spec);
  if (hit) return hit;
  const key = kernelBuildKey(spec);
  return withBuildLock(kernelWorkDir(), async () => {
    const started = Date.now();
    const { build, logs } = await prepareKernelTree(spec, log, progress);
    const work = kernelWorkDir();
    progress?.({ build: spec.name, phase: 'compile' });
    let compiled = 0;
    await runBuildStep({
      build: spec.name,
      env: kbuildEnv(work),
      step: 'compile',
      command: 'make',
      args: ['-C', path.join(work, 'src'), `O=${build}`, `-j${os.availableParallelism()}`, 'bzImage'],
      cwd: work,
      logFile: path.join(logs, 'compile.log'),
      onLine: (line) => {
        if (/^\s+CC\s/.test(line) && ++compiled % 50 === 0) progress?.({ build: spec.name, phase: 'compile', done: compiled });
      },
    });

    progress?.({ build: spec.name, phase: 'install' });
    const dir = kernelInstallDir(spec.name, key);
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    fs.copyFileSync(path.join(build, 'arch', 'x86', 'boot', 'bzImage'), path.join(staging, 'bzImage'));
    fs.copyFileSync(path.join(build, '.config'), path.join(staging, 'config'));
    fs.cpSync(logs, path.join(staging, 'logs'), { recursive: true });
    const provenance: KernelProvenance = {
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
      buildSeconds: Math.round((Date.now() - started) / 1000),
      cacheKey: key,
    };
    fs.writeFileSync(path.join(staging, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
    log(`${spec.name}: built in ${provenance.buildSeconds} s -> ${provenance.bzImage}`);
    return provenance;
  });
}

/**
 * Patches and configures the tree, then compiles only `objects` (paths of .o
 * files): proof that a patch applies and the files it touches compile, without
 * a whole kernel. Returns the build folder.
 */
export async function compileKernelObjects(spec: KernelBuildSpec, objects: readonly string[], log: BuildLog): Promise<string> {
  return withBuildLock(kernelWorkDir(), async () => {
    const { build, logs } = await prepareKernelTree(spec, log);
    const work = kernelWorkDir();
    await runBuildStep({
      build: spec.name,
      env: kbuildEnv(work),
      step: 'compile',
      command: 'make',
      args: ['-C', path.join(work, 'src'), `O=${build}`, `-j${os.availableParallelism()}`, ...objects],
      cwd: work,
      logFile: path.join(logs, 'compile.log'),
    });
    return build;
  });
}

async function prepareKernelTree(spec: KernelBuildSpec, log: BuildLog, progress?: BuildProgress): Promise<{ build: string; logs: string }> {
  await ensurePackages(KERNEL_BUILD_PACKAGES, log);
  const work = kernelWorkDir();
  const src = path.join(work, 'src');
  const build = path.join(work, 'build');
  const logs = path.join(work, 'logs', spec.name);
  for (const dir of [logs, src, build]) fs.rmSync(dir, { recursive: true, force: true });
  const step = { build: spec.name, env: kbuildEnv(work) };

  progress?.({ build: spec.name, phase: 'patch' });
  await patchedCopy({ build: spec.name, env: kbuildEnv(work), pristine: spec.source.tree, into: src, patches: spec.patches, logFile: path.join(logs, 'patch.log'), log });

  progress?.({ build: spec.name, phase: 'configure' });
  fs.mkdirSync(build, { recursive: true });
  const configLog = path.join(logs, 'configure.log');
  const configFile = path.join(build, '.config');
  await runBuildStep({ ...step, step: 'configure', command: 'make', args: ['-C', src, `O=${build}`, 'allnoconfig'], cwd: work, logFile: configLog });
  await runBuildStep({
    ...step,
    step: 'configure',
    command: path.join(src, 'scripts', 'config'),
    args: [...configScriptArgs(configFile), '--set-str', 'LOCALVERSION', localVersion(spec), '--disable', 'LOCALVERSION_AUTO'],
    cwd: work,
    logFile: configLog,
  });
  await runBuildStep({ ...step, step: 'configure', command: 'make', args: ['-C', src, `O=${build}`, 'olddefconfig'], cwd: work, logFile: configLog });
  const missing = missingOptions(fs.readFileSync(configFile, 'utf8'));
  if (missing.length > 0) throw new KernelConfigError(spec.name, missing, configFile);
  return { build, logs };
}
