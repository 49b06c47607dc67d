import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type ArtifactRecipe, produceArtifact } from '../builds/artifact-pipeline.js';
import { BuildStepError, runBuildStep } from '../builds/build-step.js';
import type { BuildLog } from '../builds/build-types.js';
import { cacheRoot } from '../paths.js';

/** A kernel git tree bisected with the user's own build command. */
export interface KernelRevisionTree {
  /** The user's repository; never written to. */
  src: string;
  /** Run by `sh -c` at the top of a checkout of each commit; must leave a bzImage (see buildKernelRevision). */
  command: string;
}

export function kernelRevisionWorkDir(src: string): string {
  const id = createHash('sha256').update(fs.realpathSync(src)).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), 'kernel-bisect', `${path.basename(fs.realpathSync(src))}-${id}`);
}

function cachedDir(tree: KernelRevisionTree, sha: string): string {
  const command = createHash('sha256').update(tree.command).digest('hex').slice(0, 12);
  return path.join(kernelRevisionWorkDir(tree.src), 'bzImages', `${sha}-${command}`);
}

/** What is kept beside a bisected commit's bzImage. */
export interface KernelRevisionProvenance {
  bzImage: string;
  source: string;
  command: string;
}

/** Commit `sha` of a kernel tree, built by the user's own command, as a recipe of the artifact pipeline. */
export function kernelRevisionRecipe(tree: KernelRevisionTree, sha: string): ArtifactRecipe<KernelRevisionProvenance> {
  const work = kernelRevisionWorkDir(tree.src);
  const name = `kernel@${sha.slice(0, 12)}`;
  const src = path.join(work, 'src');
  const out = path.join(work, 'build');
  const logs = path.join(work, 'logs', sha.slice(0, 12));
  const dir = cachedDir(tree, sha);
  const candidates = [path.join(out, 'arch/x86/boot/bzImage'), path.join(src, 'arch/x86/boot/bzImage')];
  const git = (args: string[]) => runBuildStep({ build: name, step: 'checkout', command: 'git', args, cwd: work, logFile: path.join(logs, 'checkout.log') });
  const provenance = (): KernelRevisionProvenance => ({ bzImage: path.join(dir, 'bzImage'), source: `${fs.realpathSync(tree.src)} at git ${sha}`, command: tree.command });
  return {
    name,
    // The user's command brings its own toolchain.
    packages: [],
    workDir: work,
    logsDir: logs,
    installDir: dir,
    installed: () => (fs.existsSync(path.join(dir, 'bzImage')) ? provenance() : undefined),
    async prepare() {
      if (!fs.existsSync(path.join(src, '.git'))) {
        fs.rmSync(src, { recursive: true, force: true });
        await git(['clone', '--quiet', '--shared', '--no-checkout', fs.realpathSync(tree.src), src]);
      }
      await git(['-C', src, 'checkout', '--quiet', '--force', '--detach', sha]);
      // Untracked files go, ignored ones (an in-tree build's objects) stay for the next incremental build.
      await git(['-C', src, 'clean', '--quiet', '-fd']);
    },
    async configure() {
      fs.mkdirSync(out, { recursive: true });
      for (const file of candidates) fs.rmSync(file, { force: true });
    },
    async compile({ log }) {
      log(`${name}: ${tree.command}`);
      await runBuildStep({
        build: name,
        step: 'compile',
        command: 'sh',
        args: ['-c', tree.command],
        cwd: src,
        extraEnv: { SLOTLAB_KERNEL_OUT: out, SLOTLAB_REVISION: sha },
        logFile: path.join(logs, 'build.log'),
      });
    },
    outputs() {
      const built = candidates.find((file) => fs.existsSync(file));
      if (!built) {
        throw new BuildStepError(name, 'install', path.join(logs, 'build.log'), `the build command left no arch/x86/boot/bzImage in $SLOTLAB_KERNEL_OUT (${out}) or in the checkout`, 0, undefined, 0);
      }
      return [{ from: built, to: 'bzImage' }];
    },
    provenance: async () => provenance(),
  };
}

/**
 * Builds commit `sha` with the tree's command in a clone sharing the user's
 * objects; the command gets SLOTLAB_KERNEL_OUT (a build folder kept across
 * commits, for `make O=$SLOTLAB_KERNEL_OUT`) and SLOTLAB_REVISION. The bzImage
 * is taken from $SLOTLAB_KERNEL_OUT/arch/x86/boot/bzImage, else from the
 * checkout's arch/x86/boot/bzImage, and cached by (commit, command).
 */
export async function buildKernelRevision(tree: KernelRevisionTree, sha: string, log: BuildLog): Promise<string> {
  return (await produceArtifact(kernelRevisionRecipe(tree, sha), log)).bzImage;
}
