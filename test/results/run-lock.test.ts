// tier: unit
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { acquireRunLock, holderAlive } from '../../orchestrator/results/run-lock.js';
import { runFiles } from '../../orchestrator/results/run-store.js';
import { tempDir } from '../fixtures/temp-dir.js';

/** The pid of a process that ran and has been reaped: certainly not alive now (pids are not reused this fast). */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

t.test('one holder at a time; released, the run can be taken again', async (t) => {
  const files = runFiles('r1', tempDir(t, 'slotlab-runs-'));
  const lock = acquireRunLock(files);
  t.equal(lock.path, files.records.replace(/\.jsonl$/, '.lock'));
  const holder = JSON.parse(fs.readFileSync(lock.path, 'utf8'));
  t.equal(holder.pid, process.pid);
  t.equal(holder.hostname, os.hostname());
  t.ok(holderAlive(holder));
  t.throws(() => acquireRunLock(files), { code: 'RUN_BUSY', message: new RegExp(`run r1 is held by process ${process.pid} on .*; wait for it to end or stop it \\(kill ${process.pid}\\)`) });
  lock.release();
  t.notOk(fs.existsSync(lock.path));
  const again = acquireRunLock(files);
  t.equal(again.tookOverFrom, undefined);
  again.release();
});

t.test('a lock left by a process that no longer runs is taken over, and says whose it was', async (t) => {
  const files = runFiles('r2', tempDir(t, 'slotlab-runs-'));
  const pid = await deadPid();
  const lockFile = files.records.replace(/\.jsonl$/, '.lock');
  fs.writeFileSync(lockFile, JSON.stringify({ pid, started: '1', hostname: os.hostname(), since: '2026-01-01T00:00:00Z', command: 'run --resume r2' }));
  const lock = acquireRunLock(files);
  t.equal(lock.tookOverFrom?.pid, pid);
  t.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, process.pid);
  t.same(fs.readdirSync(path.dirname(lockFile)).sort(), ['r2.lock'], 'nothing left aside');
  lock.release();
});

t.test('a pid reused by another process does not hold the lock', async (t) => {
  const files = runFiles('r3', tempDir(t, 'slotlab-runs-'));
  const lockFile = files.records.replace(/\.jsonl$/, '.lock');
  // This very pid, but a start time it never had: the process that wrote the lock is gone.
  fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, started: '0', hostname: os.hostname(), since: '2026-01-01T00:00:00Z', command: 'old' }));
  t.notOk(holderAlive(JSON.parse(fs.readFileSync(lockFile, 'utf8'))));
  const lock = acquireRunLock(files);
  t.equal(lock.tookOverFrom?.command, 'old');
  lock.release();
});

t.test('a lock that cannot be read is its writer\'s for a while, then taken over', async (t) => {
  const files = runFiles('r4', tempDir(t, 'slotlab-runs-'));
  const lockFile = files.records.replace(/\.jsonl$/, '.lock');
  fs.writeFileSync(lockFile, '{"pid":');
  t.throws(() => acquireRunLock(files), { code: 'RUN_BUSY' }, 'just created: its writer may be writing it now');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lockFile, old, old);
  const lock = acquireRunLock(files);
  t.ok(lock.tookOverFrom, 'left unreadable for a minute: its writer died');
  lock.release();
});

t.test('a process that exits without releasing takes its lock with it', async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const module = path.resolve('dist/orchestrator/results/run-lock.js');
  const script = `import { acquireRunLock } from ${JSON.stringify(module)}; acquireRunLock({ runId: 'r5', records: ${JSON.stringify(path.join(dir, 'r5.jsonl'))}, manifest: '' }); process.exit(3);`;
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], { reject: false });
  t.equal(result.exitCode, 3, result.stderr);
  t.same(fs.readdirSync(dir), [], 'no lock left behind');
});
