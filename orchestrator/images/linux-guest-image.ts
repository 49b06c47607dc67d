import fs from 'node:fs';
import path from 'node:path';
import { imageBuildDir, imagesDir } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { ImageMissingError } from './build-images.js';
import { S_IFCHR, S_IFDIR, S_IFREG, newcArchive } from './cpio.js';
import { cachedOutput, sha256 } from './l1-image.js';

const BUSYBOX = '/bin/busybox';
const initSource = () => path.join(imagesDir, 'linux', 'init');
export const linuxGuestInitramfsPath = () => path.join(imageBuildDir, 'linux-guest.cpio');

/** The protocol lines `images/linux/init` prints on the serial console. */
export const LINUX_GUEST = {
  upPattern: /slotlab-guest: up (\S+) cpus (\d+)/,
  readyPattern: /slotlab-guest: ready ([^\n]*)/,
  errorPattern: /slotlab-guest: error: ([^\n]*)/,
  progressPattern: /slotlab-guest: progress((?: \d+)+)\s*$/gm,
} as const;

const CRASH_LINE = /^.*(?:Kernel panic|BUG:|Oops|general protection fault|invalid opcode|RIP: ).*$/gm;

/** A Linux guest's crash lines (panic, BUG, oops and their RIP), joined; undefined when it printed none. */
export function crashReport(serial: string): string | undefined {
  const lines = [...serial.matchAll(CRASH_LINE)].map((match) => match[0].replace(/^\[\s*[\d.]+\]\s*/, '').trim());
  return lines.length ? [...new Set(lines)].slice(0, 6).join(' | ') : undefined;
}

/** The last `count` console lines that are not progress lines. */
export function consoleExcerpt(serial: string, count = 25): string {
  return serial
    .split('\n')
    .filter((line) => !line.startsWith('slotlab-guest: progress'))
    .slice(-count)
    .join('\n')
    .trimEnd();
}

/** The vCPU counters of the last complete progress line in `serial`, or undefined before the first. */
export function lastProgress(serial: string): bigint[] | undefined {
  let last: string | undefined;
  for (const match of serial.matchAll(LINUX_GUEST.progressPattern)) last = match[1];
  return last?.trim().split(' ').map((count) => BigInt(count));
}

/**
 * The Linux guest's initramfs (uncompressed newc): images/linux/init as /init,
 * Debian's static busybox and /dev/console. The guest kernel's modules come as a
 * second archive appended at boot.
 */
export async function buildLinuxGuestInitramfs(log: (line: string) => void = () => {}): Promise<{ path: string; cached: boolean }> {
  await ensurePackages(['busybox-static'], log);
  const init = fs.readFileSync(initSource());
  const busybox = fs.readFileSync(BUSYBOX);
  const output = linuxGuestInitramfsPath();
  const hit = await cachedOutput(output, sha256(init, busybox), async (temporary) => {
    const dir = (name: string) => ({ name, mode: S_IFDIR | 0o755 });
    fs.writeFileSync(
      temporary,
      newcArchive([
        dir('bin'), dir('dev'), dir('proc'), dir('sys'), dir('tmp'), dir('hot'),
        { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
        { name: 'init', mode: S_IFREG | 0o755, data: init },
        { name: 'bin/busybox', mode: S_IFREG | 0o755, data: busybox },
      ]),
    );
  });
  return { path: output, cached: hit };
}

export function requireLinuxGuestInitramfs(): string {
  const output = linuxGuestInitramfsPath();
  if (!fs.existsSync(output)) throw new ImageMissingError('linux', output);
  return output;
}
