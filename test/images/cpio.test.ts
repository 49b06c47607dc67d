// tier: unit
import t from 'tap';
import { S_IFCHR, S_IFDIR, S_IFREG, newcArchive, readNewc } from '../../orchestrator/images/cpio.js';

t.test('a newc archive reads back with names, modes, device numbers and contents', async (t) => {
  const archive = newcArchive([
    { name: 'bin', mode: S_IFDIR | 0o755 },
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
    { name: 'init', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
    { name: 'odd', mode: S_IFREG | 0o644, data: Buffer.from('x') },
  ]);
  t.equal(archive.subarray(0, 6).toString(), '070701');
  t.equal(archive.length % 4, 0, 'members are padded to 4 bytes');
  t.match(archive.toString('latin1'), /TRAILER!!!/);
  const entries = readNewc(archive);
  t.same(entries.map((entry) => entry.name), ['bin', 'dev/console', 'init', 'odd']);
  t.equal(entries[0]!.mode, S_IFDIR | 0o755);
  t.same(entries[1]!.rdev, { major: 5, minor: 1 });
  t.equal(entries[2]!.data!.toString(), '#!/bin/sh\necho hi\n');
  t.equal(entries[3]!.data!.toString(), 'x');
});

t.test('reading garbage says where it broke', async (t) => {
  t.throws(() => readNewc(Buffer.from('not a cpio archive at all, definitely not one of those. '.repeat(3))), /no newc header at offset 0/);
});
