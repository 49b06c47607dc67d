// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BuildBusyError, withBuildLock } from '../../orchestrator/builds/build-lock.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('the build lock: one holder at a time, stale locks taken over', async (t) => {
  const dir = tempDir(t);
  const lock = path.join(dir, 'lock');
  t.equal(await withBuildLock(dir, async () => fs.readFileSync(lock, 'utf8')), String(process.pid));
  t.notOk(fs.existsSync(lock), 'released');
  fs.writeFileSync(lock, String(process.ppid));
  await t.rejects(withBuildLock(dir, async () => 1), BuildBusyError);
  await t.rejects(withBuildLock(dir, async () => 1), { code: 'BUILD_BUSY', message: new RegExp(`pid ${process.ppid}.*remove ${lock}`) });
  fs.writeFileSync(lock, '999999999');
  t.equal(await withBuildLock(dir, async () => 'taken'), 'taken', 'a dead holder does not block');
  await t.rejects(
    withBuildLock(dir, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  t.notOk(fs.existsSync(lock), 'released after a failure too');
});
