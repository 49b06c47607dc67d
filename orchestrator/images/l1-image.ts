import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { imageBuildDir, imagesDir } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { ImageBuildError } from './build-images.js';
import { S_IFCHR, S_IFDIR, S_IFREG, newcArchive } from './cpio.js';

/** Debian packages the L1 image needs: a static busybox and a C compiler with static glibc. */
export const L1_PACKAGES = ['busybox-static', 'build-essential'] as const;
const BUSYBOX = '/bin/busybox';

const l1Source = (name: string) => path.join(imagesDir, 'l1', name);
export const kvmProbePath = () => path.join(imageBuildDir, 'kvm-probe');
export const l1InitramfsPath = () => path.join(imageBuildDir, 'l1-initramfs.cpio');

export function sha256(...parts: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** Runs `make` unless `output` was built from the same key; returns whether it was cached. */
export async function cachedOutput(output: string, key: string, make: (temporary: string) => Promise<void>): Promise<boolean> {
  const keyFile = `${output}.inputs-sha256`;
  if (fs.existsSync(output) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8').trim() === key) return true;
  fs.mkdirSync(path.dirname(output), { recursive: true });
  await make(`${output}.tmp`);
  fs.renameSync(`${output}.tmp`, output);
  fs.writeFileSync(keyFile, `${key}\n`);
  return false;
}

/** images/l1/kvm-probe.c, linked statically so it runs in the initramfs and in the host root alike. */
export async function buildKvmProbe(): Promise<{ path: string; cached: boolean }> {
  const source = l1Source('kvm-probe.c');
  const compiler = await execa('gcc', ['--version'], { reject: false });
  if (compiler.exitCode !== 0) throw new ImageBuildError('kvm-probe', 'gcc is not available; run `slotlab setup`');
  const output = kvmProbePath();
  const hit = await cachedOutput(output, sha256(fs.readFileSync(source), compiler.stdout), async (temporary) => {
    const result = await execa('gcc', ['-static', '-O2', '-Wall', '-o', temporary, source, '-lpthread'], { reject: false, all: true });
    if (result.exitCode !== 0) throw new ImageBuildError('kvm-probe', `gcc exited with ${result.exitCode}:\n${result.all}`);
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
  const busybox = fs.readFileSync(BUSYBOX);
  const probeBinary = fs.readFileSync(probe.path);
  const output = l1InitramfsPath();
  const hit = await cachedOutput(output, sha256(init, busybox, probeBinary), async (temporary) => {
    const dir = (name: string) => ({ name, mode: S_IFDIR | 0o755 });
    fs.writeFileSync(
      temporary,
      newcArchive([
        dir('bin'), dir('dev'), dir('proc'), dir('sys'), dir('tmp'), dir('newroot'),
        { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
        { name: 'init', mode: S_IFREG | 0o755, data: init },
        { name: 'bin/busybox', mode: S_IFREG | 0o755, data: busybox },
        { name: 'bin/kvm-probe', mode: S_IFREG | 0o755, data: probeBinary },
      ]),
    );
  });
  return { path: output, cached: hit };
}
