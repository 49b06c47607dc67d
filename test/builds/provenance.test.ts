// tier: unit
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { qemuVersionLine, sha256File } from '../../orchestrator/builds/provenance.js';

t.test('sha256 of a file', async (t) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-')), 'f');
  fs.writeFileSync(file, 'abc');
  t.equal(sha256File(file), createHash('sha256').update('abc').digest('hex'));
});

t.test('first line of --version', async (t) => {
  t.match(await qemuVersionLine('/usr/bin/qemu-system-x86_64', {}), /^QEMU emulator version 7\.2\.\d+/);
});
