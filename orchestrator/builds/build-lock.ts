import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';

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
