import fs from 'node:fs';
import path from 'node:path';
import { imageBuildDir, imagesDir } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { ImageMissingError } from './build-images.js';
import { buildBusyboxInitramfs } from './busybox-initramfs.js';

const initSource = () => path.join(imagesDir, 'linux', 'init');
export const linuxGuestInitramfsPath = () => path.join(imageBuildDir, 'linux-guest.cpio');

/** The protocol lines `images/linux/init` prints on the serial console. */
export const LINUX_GUEST = {
  upPattern: /slotlab-guest: up (\S+) cpus (\d+)/,
  // Lines still being printed must not match: each pattern ends at the line's end.
  readyPattern: /slotlab-guest: ready ([^\r\n]*)\r?\n/,
  errorPattern: /slotlab-guest: error: ([^\r\n]*)\r?\n/,
  progressPattern: /slotlab-guest: progress((?: \d+)+)\r?\n/g,
} as const;

const CRASH_LINE = /^.*(?:Kernel panic|BUG:|Oops|general protection fault|invalid opcode|RIP: |detected stalls on CPUs|blocked for more than).*$/gm;
/** A kernel that says it stopped scheduling: an RCU stall, a soft lockup or a hung task. */
const HANG_LINE = /^.*(?:rcu: INFO: \S+ detected stalls on CPUs|watchdog: BUG: soft lockup|INFO: task \S+ blocked for more than).*$/m;

const withoutTimestamp = (line: string) => line.replace(/^\[\s*[\d.]+\]\s*/, '').trim();

/** A kernel that faulted in itself: damaged, even where its workers still run. */
const OOPS_LINE = /^.*(?:Oops: |BUG: unable to handle|general protection fault|Kernel panic).*$/m;

/** The guest kernel's first oops after its workers started (its first progress line), or undefined. */
export function oopsReport(serial: string): string | undefined {
  const started = serial.indexOf('slotlab-guest: progress');
  const line = started < 0 ? undefined : OOPS_LINE.exec(serial.slice(started))?.[0];
  return line === undefined ? undefined : `the guest kernel faulted: ${withoutTimestamp(line)}`;
}

/** The guest kernel's first report that it stopped making progress, or undefined. */
export function hangReport(serial: string): string | undefined {
  const line = HANG_LINE.exec(serial)?.[0];
  return line === undefined ? undefined : withoutTimestamp(line);
}

/** A Linux guest's crash lines (panic, BUG, oops and their RIP, stalls), joined; undefined when it printed none. */
export function crashReport(serial: string): string | undefined {
  const lines = [...serial.matchAll(CRASH_LINE)].map((match) => withoutTimestamp(match[0]));
  return lines.length ? [...new Set(lines)].slice(0, 6).join(' | ') : undefined;
}

/** The guest's protocol lines but progress (how far it got), then the last `count` other console lines (how it ended). */
export function consoleExcerpt(serial: string, count = 25): string {
  const lines = serial.split('\n').filter((line) => !line.startsWith('slotlab-guest: progress'));
  const ours = (line: string) => line.startsWith('slotlab-guest: ');
  return [...lines.filter(ours), ...lines.filter((line) => !ours(line)).slice(-count)].join('\n').trimEnd();
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
  return buildBusyboxInitramfs({ output: linuxGuestInitramfsPath(), init, folders: ['hot'] });
}

export function requireLinuxGuestInitramfs(): string {
  const output = linuxGuestInitramfsPath();
  if (!fs.existsSync(output)) throw new ImageMissingError('linux', output);
  return output;
}
