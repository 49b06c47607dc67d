import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { SlotlabError } from '../errors.js';
import type { RunFiles } from './run-store.js';

/** Who holds a run: written into `<run-id>.lock` by the process that appends to the run. */
export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22): tells a live holder from a reused pid. */
  started: string | null;
  hostname: string;
  since: string;
  command: string;
}

export class RunBusyError extends SlotlabError {
  constructor(
    readonly runId: string,
    readonly holder: LockHolder,
  ) {
    super(
      'RUN_BUSY',
      holder.pid > 0
        ? `run ${runId} is held by process ${holder.pid} on ${holder.hostname} (\`${holder.command}\`, since ${holder.since}); ` +
            `wait for it to end or stop it (kill ${holder.pid}), then resume again`
        : `run ${runId} is being taken by another process (its lock file is not written yet); try again in a few seconds`,
    );
  }
}

export interface RunLock {
  readonly path: string;
  /** The dead holder whose lock was taken over, if there was one. */
  readonly tookOverFrom: LockHolder | undefined;
  release(): void;
}

function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `holder` still runs (on this machine). */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = startTime(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

/** A lock that cannot be read yet is taken for its writer's until it is this old (its writer died between create and write). */
const UNREADABLE_GRACE_MS = 10_000;

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    let age = Infinity;
    try {
      age = Date.now() - fs.statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    return { pid: age < UNREADABLE_GRACE_MS ? -1 : 0, started: null, hostname: os.hostname(), since: '?', command: '(lock being written, or left unreadable)' };
  }
}

function tryCreate(file: string, holder: LockHolder): boolean {
  const content = JSON.stringify(holder) + '\n';
  // Written aside and linked into place, so a lock is never seen half written.
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
  fs.writeFileSync(temporary, content);
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // A file system without hard links: an exclusive create, which a reader may briefly see empty.
    try {
      fs.writeFileSync(file, content, { flag: 'wx' });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Makes this process the only one appending to a run. A lock left by a process
 * that no longer runs is taken over (`tookOverFrom` says whose); one held by a
 * live process is refused with RunBusyError naming it.
 */
export function acquireRunLock(files: RunFiles): RunLock {
  const file = files.records.replace(/\.jsonl$/, '.lock');
  const me: LockHolder = {
    pid: process.pid,
    started: startTime(process.pid),
    hostname: os.hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
  };
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, me)) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        if (readHolder(file)?.pid === me.pid) fs.rmSync(file, { force: true });
      };
      // A signal ends the process through process.exit (process reaper): the lock goes with it.
      process.on('exit', release);
      return { path: file, tookOverFrom, release };
    }
    const holder = readHolder(file);
    if (!holder) continue;
    if (holder.pid === -1) throw new RunBusyError(files.runId, holder);
    if (holder.pid === process.pid && holder.started === me.started) throw new RunBusyError(files.runId, holder);
    if (holder.pid !== 0 && holderAlive(holder)) throw new RunBusyError(files.runId, holder);
    // Stale: move it aside under a name of our own, and take over only if what moved is still the dead holder's.
    const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = readHolder(aside);
    if (moved && moved.pid !== holder.pid && moved.pid > 0 && holderAlive(moved)) {
      // Another process took it over between our read and our rename: give it back.
      try {
        fs.linkSync(aside, file);
      } finally {
        fs.rmSync(aside, { force: true });
      }
      throw new RunBusyError(files.runId, moved);
    }
    fs.rmSync(aside, { force: true });
    tookOverFrom = holder;
  }
  throw new SlotlabError('RUN_LOCK_FAILED', `could not take the lock of run ${files.runId} (${file}) after 5 attempts; remove the file if no slotlab process runs`);
}
