// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { findBuild, knownBuilds } from '../../orchestrator/builds/build-registry.js';
import { sha256File } from '../../orchestrator/builds/provenance.js';
import { readUserBuilds, registerUserBuild, userBuildsFile, userSourceDir } from '../../orchestrator/builds/user-builds.js';
import { isolatedCache, tempDir } from '../fixtures/temp-dir.js';


const reserved = ['debian-7.2', '7.2-stock'];

t.test('a registered binary is a build like the others', async (t) => {
  isolatedCache(t);
  registerUserBuild({ kind: 'user-binary', name: 'my-qemu', family: 'stock', binary: '/usr/bin/qemu-system-x86_64' }, reserved);
  t.ok(knownBuilds().some((build) => build.name === 'my-qemu'));
  const resolved = await findBuild('my-qemu').resolve();
  t.equal(resolved.binary, '/usr/bin/qemu-system-x86_64');
  t.match(resolved.provenance, { name: 'my-qemu', family: 'stock', kind: 'user-binary', sha256: sha256File('/usr/bin/qemu-system-x86_64') });
  t.match(resolved.provenance.version, /^QEMU emulator version 7\.2/);
  registerUserBuild({ kind: 'user-binary', name: 'my-qemu', family: 'paused-vcpu', binary: '/usr/bin/qemu-system-x86_64' }, reserved);
  t.same(readUserBuilds().map((entry) => [entry.name, entry.family]), [['my-qemu', 'paused-vcpu']], 'registering again replaces');
});

t.test('bad registrations are refused with the reason', async (t) => {
  const cache = isolatedCache(t);
  const binary = '/usr/bin/qemu-system-x86_64';
  t.throws(() => registerUserBuild({ kind: 'user-binary', name: 'bad name', family: 'stock', binary }, reserved), { code: 'USER_BUILD', message: /letters, digits/ });
  t.throws(() => registerUserBuild({ kind: 'user-binary', name: '7.2-stock', family: 'stock', binary }, reserved), /is a built-in build/);
  const plain = path.join(cache, 'not-executable');
  fs.writeFileSync(plain, '', { mode: 0o644 });
  t.throws(() => registerUserBuild({ kind: 'user-binary', name: 'x', family: 'stock', binary: plain }, reserved), /is not an executable file/);
  t.throws(() => registerUserBuild({ kind: 'user-binary', name: 'x', family: 'stock', binary: cache }, reserved), /is not an executable file/, 'a directory');
  t.throws(() => registerUserBuild({ kind: 'user-source', name: 'x', family: 'stock', sourceDir: cache }, reserved), /has no configure script/);
  fs.writeFileSync(userBuildsFile(), '[{"kind":"user-binary","name":"x"}]');
  t.throws(() => readUserBuilds(), { code: 'USER_BUILD', message: /is not a list of registered builds.*fix or delete it/ });
});

t.test('a registered binary that went away says to register it again', async (t) => {
  isolatedCache(t);
  const dir = tempDir(t);
  const binary = path.join(dir, 'qemu');
  fs.writeFileSync(binary, '#!/bin/sh\necho QEMU emulator version 9.9.9\n', { mode: 0o755 });
  registerUserBuild({ kind: 'user-binary', name: 'gone', family: 'stock', binary }, reserved);
  fs.rmSync(binary);
  await t.rejects(findBuild('gone').resolve(), /is gone; register it again with --qemu-bin/);
});

t.test('a registered source tree is configured once and rebuilt incrementally', async (t) => {
  isolatedCache(t);
  // A synthetic tree: configure writes a build.ninja whose one rule makes the binary.
  const tree = tempDir(t);
  fs.writeFileSync(
    path.join(tree, 'configure'),
    `#!/bin/sh\necho "$@" > configured-with\ncat > build.ninja <<'EOF'\nrule make\n  command = cp ${tree}/qemu.sh $out\nbuild qemu-system-x86_64: make ${tree}/qemu.sh\nEOF\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(tree, 'qemu.sh'), '#!/bin/sh\necho QEMU emulator version 8.0.0\n', { mode: 0o755 });
  registerUserBuild({ kind: 'user-source', name: 'tree', family: 'paused-vcpu', sourceDir: tree }, reserved);
  const build = findBuild('tree');
  await t.rejects(build.resolve(), { code: 'BUILD_NOT_READY', message: /run `slotlab build tree`/ });
  const phases: string[] = [];
  await build.prepare(() => {}, (event) => phases.push(event.phase));
  t.same([...new Set(phases)], ['configure', 'compile', 'install']);
  t.match(fs.readFileSync(path.join(userSourceDir('tree'), 'build', 'configured-with'), 'utf8'), /--enable-kvm/);
  const first = await build.resolve();
  t.match(first.provenance, { kind: 'user-source', family: 'paused-vcpu', source: tree, version: 'QEMU emulator version 8.0.0' });
  t.match(first.provenance.configure, /^configure --target-list=x86_64-softmmu/);

  fs.writeFileSync(path.join(tree, 'qemu.sh'), '#!/bin/sh\necho QEMU emulator version 8.0.1\n', { mode: 0o755 });
  phases.length = 0;
  await build.prepare(() => {}, (event) => phases.push(event.phase));
  t.same([...new Set(phases)], ['compile', 'install'], 'configured once');
  const second = await build.resolve();
  t.equal(second.provenance.version, 'QEMU emulator version 8.0.1', 'rebuilt from the changed tree');
  t.not(second.provenance.sha256, first.provenance.sha256);
});
