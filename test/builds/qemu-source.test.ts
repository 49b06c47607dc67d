// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { cachedQemuSource, debianQemuSource, sourcesRoot } from '../../orchestrator/builds/qemu-source.js';
import { isolatedCache } from '../fixtures/temp-dir.js';

t.test("Debian's QEMU 7.2 source arrives through the private apt configuration, once", async (t) => {
  const cache = isolatedCache(t);
  const systemSources = fs.readdirSync('/etc/apt/sources.list.d').map((name) => fs.readFileSync(path.join('/etc/apt/sources.list.d', name), 'utf8'));
  t.equal(cachedQemuSource('7.2'), undefined);
  const lines: string[] = [];
  const source = await debianQemuSource('7.2', (line) => lines.push(line));
  t.match(source.version, /^1:7\.2\+dfsg-/);
  t.ok(source.tree.startsWith(path.join(sourcesRoot(), '7.2')), 'unpacked under the cache');
  t.ok(fs.existsSync(path.join(source.tree, 'accel/kvm/kvm-all.c')));
  t.ok(fs.existsSync(path.join(source.tree, 'debian/patches/series')), "Debian's own packaging, its patches applied by dpkg-source");
  t.match(fs.readFileSync(path.join(cache, 'apt-bookworm-src', 'etc', 'sources.list'), 'utf8'), /^deb-src .* bookworm main$/m, 'deb-src only in the private list');
  t.same(
    fs.readdirSync('/etc/apt/sources.list.d').map((name) => fs.readFileSync(path.join('/etc/apt/sources.list.d', name), 'utf8')),
    systemSources,
    "the system's sources stay untouched",
  );
  t.same(cachedQemuSource('7.2'), source);
  const again: string[] = [];
  t.same(await debianQemuSource('7.2', (line) => again.push(line)), source);
  t.same(again, [], 'the second call fetches nothing');
  t.ok(lines.some((line) => /apt-get source qemu/.test(line)));
});
