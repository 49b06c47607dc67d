import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { S_IFCHR, S_IFDIR, S_IFREG, newcArchive } from './cpio.js';

/** Debian's busybox-static, the only binary both initramfs images are built around. */
export const BUSYBOX = '/bin/busybox';

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
  const temporary = `${output}.tmp-${process.pid}`;
  try {
    await make(temporary);
    fs.renameSync(temporary, output);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  fs.writeFileSync(keyFile, `${key}\n`);
  return false;
}

export interface BusyboxInitramfs {
  /** Where the archive is written. */
  output: string;
  /** The script that becomes /init. */
  init: Buffer;
  /** Empty folders besides bin, dev, proc, sys and tmp. */
  folders: string[];
  /** Executables placed under bin/ next to busybox. */
  binaries?: { name: string; data: Buffer }[];
}

/**
 * An uncompressed newc initramfs: `init` as /init, busybox, /dev/console (so
 * init's output reaches the serial port) and the given folders and binaries.
 * Rebuilt only when one of its inputs changed.
 */
export async function buildBusyboxInitramfs(spec: BusyboxInitramfs): Promise<{ path: string; cached: boolean }> {
  const busybox = fs.readFileSync(BUSYBOX);
  const binaries = spec.binaries ?? [];
  const key = sha256(spec.init, busybox, ...spec.folders, ...binaries.flatMap((binary) => [binary.name, binary.data]));
  const hit = await cachedOutput(spec.output, key, async (temporary) => {
    const folder = (name: string) => ({ name, mode: S_IFDIR | 0o755 });
    fs.writeFileSync(
      temporary,
      newcArchive([
        ...['bin', 'dev', 'proc', 'sys', 'tmp', ...spec.folders].map(folder),
        { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
        { name: 'init', mode: S_IFREG | 0o755, data: spec.init },
        { name: 'bin/busybox', mode: S_IFREG | 0o755, data: busybox },
        ...binaries.map((binary) => ({ name: `bin/${binary.name}`, mode: S_IFREG | 0o755, data: binary.data })),
      ]),
    );
  });
  return { path: spec.output, cached: hit };
}
