// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildKey, installDir, readInstalled } from '../../orchestrator/builds/build-cache.js';
import { tempDir } from '../fixtures/temp-dir.js';

const inputs = {
  sourceVersion: '1:7.2+dfsg-7+deb12u18',
  patches: [
    { name: '0001-a.patch', sha256: 'a'.repeat(64) },
    { name: '0002-b.patch', sha256: 'b'.repeat(64) },
  ],
  configureFlags: ['--enable-kvm', '--disable-tcg'],
};

t.test('the same inputs give the same key', async (t) => {
  t.equal(buildKey(inputs), buildKey(structuredClone(inputs)));
  t.match(buildKey(inputs), /^[0-9a-f]{20}$/);
});

t.test('any changed input gives another key', async (t) => {
  const changed = [
    { ...inputs, sourceVersion: '1:7.2+dfsg-7+deb12u19' },
    { ...inputs, patches: [inputs.patches[0]!, { ...inputs.patches[1]!, sha256: 'c'.repeat(64) }] },
    { ...inputs, patches: [inputs.patches[0]!, { ...inputs.patches[1]!, name: '0002-renamed.patch' }] },
    { ...inputs, patches: [...inputs.patches].reverse() },
    { ...inputs, patches: inputs.patches.slice(0, 1) },
    { ...inputs, configureFlags: ['--enable-kvm'] },
    { ...inputs, configureFlags: ['--enable-kvm', '--disable-tcg', '--enable-debug'] },
  ];
  const keys = new Set([buildKey(inputs), ...changed.map(buildKey)]);
  t.equal(keys.size, changed.length + 1);
});

t.test('an install without its provenance or binary is not installed', async (t) => {
  const dir = tempDir(t);
  t.equal(readInstalled(dir), undefined);
  fs.writeFileSync(path.join(dir, 'provenance.json'), JSON.stringify({ name: 'x' }));
  t.equal(readInstalled(dir), undefined, 'binary missing');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'qemu-system-x86_64'), '');
  t.same(readInstalled(dir), { name: 'x' });
  t.match(installDir('7.2-stock', 'k'), /qemu-builds\/7\.2-stock\/k$/);
});
