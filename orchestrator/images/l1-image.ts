import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { processFailure } from '../errors.js';
import { imageBuildDir, imagesDir } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { ImageBuildError } from './build-images.js';
import { buildBusyboxInitramfs, cachedOutput, sha256 } from './busybox-initramfs.js';

/** Debian packages the L1 image needs: a static busybox and a C compiler with static glibc. */
export const L1_PACKAGES = ['busybox-static', 'build-essential'] as const;

const l1Source = (name: string) => path.join(imagesDir, 'l1', name);
export const kvmProbePath = () => path.join(imageBuildDir, 'kvm-probe');
export const l1InitramfsPath = () => path.join(imageBuildDir, 'l1-initramfs.cpio');

/** images/l1/kvm-probe.c, linked statically so it runs in the initramfs and in the host root alike. */
export async function buildKvmProbe(): Promise<{ path: string; cached: boolean }> {
  const source = l1Source('kvm-probe.c');
  const compiler = await execa('gcc', ['--version'], { reject: false });
  if (compiler.exitCode !== 0) throw new ImageBuildError('kvm-probe', 'gcc is not available; run `slotlab setup`');
  const output = kvmProbePath();
  const hit = await cachedOutput(output, sha256(fs.readFileSync(source), compiler.stdout), async (temporary) => {
    const result = await execa('gcc', ['-static', '-O2', '-Wall', '-o', temporary, source, '-lpthread'], { reject: false, all: true });
    if (result.exitCode !== 0) throw new ImageBuildError('kvm-probe', `gcc exited with ${result.exitCode}:\n${result.all}`, processFailure(result, { tailLines: 40 }));
  });
  return { path: output, cached: hit };
}

/**
 * The L1 initramfs (uncompressed newc cpio): images/l1/init as /init, a static
 * busybox and kvm-probe, and /dev/console so init's output reaches the serial port.
 */
export async function buildL1Initramfs(log: (line: string) => void = () => {}): Promise<{ path: string; cached: boolean }> {
  await ensurePackages(L1_PACKAGES, log);
  const probe = await buildKvmProbe();
  const init = fs.readFileSync(l1Source('init'));
  return buildBusyboxInitramfs({
    output: l1InitramfsPath(),
    init,
    folders: ['newroot'],
    binaries: [{ name: 'kvm-probe', data: fs.readFileSync(probe.path) }],
  });
}
