// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isolatedCache } from '../fixtures/temp-dir.js';
import { BuildNotReadyError } from '../../orchestrator/builds/build-errors.js';
import { debianBackportsBuild, debianSystemBuild } from '../../orchestrator/builds/debian-builds.js';
import { sha256File } from '../../orchestrator/builds/provenance.js';

t.test('debian-7.2 is the system package', async (t) => {
  const build = await debianSystemBuild.resolve();
  t.equal(build.binary, '/usr/bin/qemu-system-x86_64');
  t.same(build.env, {});
  t.match(build.provenance.version, /^QEMU emulator version 7\.2\.\d+ \(Debian 1:7\.2/);
  t.match(build.provenance.source, /^qemu-system-x86 1:7\.2/);
  t.equal(build.provenance.sha256, sha256File(build.binary));
});

t.test('debian-bpo-10.0 runs from its own unpacked tree', async (t) => {
  const build = await debianBackportsBuild.resolve();
  t.match(build.provenance.version, /^QEMU emulator version 10\.0\.2/);
  t.match(build.provenance.source, /bookworm-backports/);
  t.ok(fs.existsSync(path.join(build.env.QEMU_MODULE_DIR!, 'hw-usb-host.so')), 'QEMU_MODULE_DIR holds its own modules');
  t.ok(build.dataDirs.some((dir) => fs.existsSync(path.join(dir, 'bios-256k.bin'))), 'its SeaBIOS is on -L');
  t.ok(build.binary.startsWith(path.dirname(build.env.QEMU_MODULE_DIR!).split('/usr/')[0]!), 'binary, modules and data come from one tree');
  t.equal(build.provenance.kind, 'backports-package');
});

t.test('prepare is a cache hit when the extraction exists', async (t) => {
  const lines: string[] = [];
  await debianBackportsBuild.prepare((line) => lines.push(line));
  t.same(lines, [], 'nothing fetched, nothing installed');
});

t.test('an empty cache says how to prepare the build', async (t) => {
  isolatedCache(t);
  await t.rejects(debianBackportsBuild.resolve(), BuildNotReadyError);
  await t.rejects(debianBackportsBuild.resolve(), { code: 'BUILD_NOT_READY', message: /run `slotlab setup`/ });
});
