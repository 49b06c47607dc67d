// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { cachedSource, completeSource, fetchScratch } from '../../orchestrator/builds/source-cache.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('a fetched source counts once complete; the newest complete one is used', async (t) => {
  const root = path.join(tempDir(t), '7.2');
  t.equal(cachedSource(root), undefined, 'no folder yet');
  const scratch = fetchScratch(root);
  fs.mkdirSync(path.join(scratch, 'qemu-7.2'), { recursive: true });
  t.equal(cachedSource(root), undefined, 'an unfinished fetch is not a source');
  const first = completeSource(root, scratch, '1:7.2+dfsg-7+deb12u1', 'qemu-7.2');
  t.same(first, { version: '1:7.2+dfsg-7+deb12u1', tree: path.join(root, '1_7.2+dfsg-7+deb12u1', 'qemu-7.2') });
  t.notOk(fs.existsSync(scratch));
  t.same(cachedSource(root), first);
  const next = fetchScratch(root);
  fs.mkdirSync(path.join(next, 'qemu-7.2'), { recursive: true });
  const second = completeSource(root, next, '1:7.2+dfsg-7+deb12u2', 'qemu-7.2');
  const older = path.join(root, '1_7.2+dfsg-7+deb12u1', 'complete');
  fs.utimesSync(older, new Date(0), new Date(0));
  t.same(cachedSource(root), second, 'the newest marker wins');
  fs.rmSync(path.join(root, '1_7.2+dfsg-7+deb12u2', 'complete'));
  t.same(cachedSource(root), first, 'without its marker a tree is not used');
});
