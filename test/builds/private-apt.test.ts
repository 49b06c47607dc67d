// tier: build
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { PrivateApt, systemDebianSource } from '../../orchestrator/builds/private-apt.js';

t.test('finds bookworm main in deb822 sources', async (t) => {
  const etc = tempDir(t);
  fs.mkdirSync(path.join(etc, 'sources.list.d'));
  fs.writeFileSync(
    path.join(etc, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
  );
  t.same(systemDebianSource(etc), { uri: 'http://mirror.example/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' });
});

t.test('finds bookworm main in a one-line sources.list', async (t) => {
  const etc = tempDir(t);
  fs.writeFileSync(path.join(etc, 'sources.list'), '# deb http://old.example bookworm main\ndeb-src http://src.example bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main non-free\n');
  t.same(systemDebianSource(etc), { uri: 'http://mirror.example/debian', signedBy: '/k.gpg' });
});

t.test('no Debian source is one clear error', async (t) => {
  t.throws(() => systemDebianSource(tempDir(t)), { code: 'PRIVATE_APT_FAILED', message: /no `deb` source for suite bookworm/ });
});

t.test('the private configuration points apt at its own files only', async (t) => {
  const dir = tempDir(t);
  const apt = new PrivateApt(dir, 'bookworm-backports', true, { uri: 'http://mirror.example/debian', signedBy: undefined });
  t.equal(fs.readFileSync(path.join(dir, 'etc/sources.list'), 'utf8'), 'deb http://mirror.example/debian bookworm-backports main\ndeb-src http://mirror.example/debian bookworm-backports main\n');
  const config = fs.readFileSync(apt.configFile, 'utf8');
  for (const key of ['Dir::Etc::SourceList', 'Dir::Etc::SourceParts', 'Dir::State::Lists', 'Dir::Cache']) {
    t.match(config, new RegExp(`${key} "${dir}/`), `${key} is private`);
  }
});

function digestTree(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) hash.update(full).update(fs.readFileSync(full));
    }
  };
  walk(root);
  return hash.digest('hex');
}

t.test('a real update against the archive finds QEMU 10.0 in backports and leaves /etc/apt alone', async (t) => {
  const before = digestTree('/etc/apt');
  const listsBefore = fs.readdirSync('/var/lib/apt/lists').sort();
  const apt = new PrivateApt(tempDir(t), 'bookworm-backports');
  await apt.update();
  t.match(await apt.candidate('qemu-system-x86'), /^1:10\.0\./);
  t.equal(await apt.candidate('no-such-package-slotlab'), undefined);
  t.equal(digestTree('/etc/apt'), before, '/etc/apt unchanged');
  t.same(fs.readdirSync('/var/lib/apt/lists').sort(), listsBefore, 'system lists unchanged');
});
