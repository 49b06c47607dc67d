import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import type { BuildProvenance, PatchProvenance } from './build-types.js';

/** What a source build is keyed on: a change in any of it is a different build. */
export interface BuildKeyInputs {
  sourceVersion: string;
  patches: readonly PatchProvenance[];
  configureFlags: readonly string[];
}

export function buildKey(inputs: BuildKeyInputs): string {
  const canonical = JSON.stringify({
    source: inputs.sourceVersion,
    patches: inputs.patches.map((patch) => [patch.name, patch.sha256]),
    configure: inputs.configureFlags,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 20);
}

export function buildsRoot(): string {
  return path.join(cacheRoot(), 'qemu-builds');
}

/** `<cache>/qemu-builds/<build name>/<key>/` holds bin/, logs/ and provenance.json once complete. */
export function installDir(name: string, key: string): string {
  return path.join(buildsRoot(), name, key);
}

export const INSTALLED_BINARY = path.join('bin', 'qemu-system-x86_64');

export function readInstalled(dir: string): BuildProvenance | undefined {
  const file = path.join(dir, 'provenance.json');
  if (!fs.existsSync(file) || !fs.existsSync(path.join(dir, INSTALLED_BINARY))) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildProvenance;
}

export class BuildBusyError extends SlotlabError {
  constructor(lockFile: string, pid: number) {
    super('BUILD_BUSY', `another slotlab build (pid ${pid}) is using ${path.dirname(lockFile)}; wait for it to finish, or remove ${lockFile} if that process is gone`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Holds `<dir>/lock` while `work` runs: source builds share one work folder (ccache hits need a fixed path). */
export async function withBuildLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const lockFile = path.join(dir, 'lock');
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new BuildBusyError(lockFile, holder);
      fs.rmSync(lockFile, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
