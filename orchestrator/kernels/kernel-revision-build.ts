import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withBuildLock } from '../builds/build-cache.js';
import { BuildStepError, runBuildStep } from '../builds/build-step.js';
import type { BuildLog } from '../builds/build-types.js';
import { cacheRoot } from '../paths.js';

/** A kernel git tree bisected with the user's own build command. */
export interface KernelRevisionTree {
  /** The user's repository; never written to. */
  src: string;
  /** Run by `sh -c` at the top of a checkout of each commit; must leave a bzImage (see kernelRevisionBzImage). */
  command: string;
}

export function kernelRevisionWorkDir(src: string): string {
  const id = createHash('sha256').update(fs.realpathSync(src)).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), 'kernel-bisect', `${path.basename(fs.realpathSync(src))}-${id}`);
}

function cachedBzImage(tree: KernelRevisionTree, sha: string): string {
  const command = createHash('sha256').update(tree.command).digest('hex').slice(0, 12);
  return path.join(kernelRevisionWorkDir(tree.src), 'bzImages', `${sha}-${command}`, 'bzImage');
}

/**
 * Builds commit `sha` with the tree's command in a clone sharing the user's
 * objects; the command gets SLOTLAB_KERNEL_OUT (a build folder kept across
 * commits, for `make O=$SLOTLAB_KERNEL_OUT`) and SLOTLAB_REVISION. The bzImage
 * is taken from $SLOTLAB_KERNEL_OUT/arch/x86/boot/bzImage, else from the
 * checkout's arch/x86/boot/bzImage, and cached by (commit, command).
 */
export async function buildKernelRevision(tree: KernelRevisionTree, sha: string, log: BuildLog): Promise<string> {
  const cached = cachedBzImage(tree, sha);
  if (fs.existsSync(cached)) return cached;
  const work = kernelRevisionWorkDir(tree.src);
  const name = `kernel@${sha.slice(0, 12)}`;
  return withBuildLock(work, async () => {
    const src = path.join(work, 'src');
    const out = path.join(work, 'build');
    const logs = path.join(work, 'logs', sha.slice(0, 12));
    fs.rmSync(logs, { recursive: true, force: true });
    const git = (args: string[]) => runBuildStep({ build: name, step: 'checkout', command: 'git', args, cwd: work, logFile: path.join(logs, 'checkout.log') });
    if (!fs.existsSync(path.join(src, '.git'))) {
      fs.rmSync(src, { recursive: true, force: true });
      await git(['clone', '--quiet', '--shared', '--no-checkout', fs.realpathSync(tree.src), src]);
    }
    await git(['-C', src, 'checkout', '--quiet', '--force', '--detach', sha]);
    // Untracked files go, ignored ones (an in-tree build's objects) stay for the next incremental build.
    await git(['-C', src, 'clean', '--quiet', '-fd']);
    fs.mkdirSync(out, { recursive: true });
    for (const file of [path.join(out, 'arch/x86/boot/bzImage'), path.join(src, 'arch/x86/boot/bzImage')]) fs.rmSync(file, { force: true });
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
    const built = [path.join(out, 'arch/x86/boot/bzImage'), path.join(src, 'arch/x86/boot/bzImage')].find((file) => fs.existsSync(file));
    if (!built) {
      throw new BuildStepError(name, 'install', path.join(logs, 'build.log'), `the build command left no arch/x86/boot/bzImage in $SLOTLAB_KERNEL_OUT (${out}) or in the checkout`, 0, undefined, 0);
    }
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(built, `${cached}.partial`);
    fs.renameSync(`${cached}.partial`, cached);
    return cached;
  });
}
