import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { ensurePackages, installedVersion } from '../setup/system-packages.js';
import { BuildNotReadyError } from './build-errors.js';
import type { BuildDefinition, ResolvedBuild } from './build-types.js';
import { PrivateApt, extractDeb } from './private-apt.js';
import { qemuVersionLine, sha256File } from './provenance.js';

const SYSTEM_BINARY = '/usr/bin/qemu-system-x86_64';

/** Debian bookworm's own qemu-system-x86 (7.2), installed system-wide with apt. */
export const debianSystemBuild: BuildDefinition = {
  name: 'debian-7.2',
  family: 'stock',
  description: "Debian 12's qemu-system-x86 package (QEMU 7.2, no fix)",
  inSetup: true,
  async prepare(log) {
    await ensurePackages(['qemu-system-x86'], log);
  },
  async resolve(): Promise<ResolvedBuild> {
    const version = await installedVersion('qemu-system-x86');
    if (!version || !fs.existsSync(SYSTEM_BINARY)) throw new BuildNotReadyError('debian-7.2', 'package qemu-system-x86 is not installed');
    return {
      name: 'debian-7.2',
      binary: SYSTEM_BINARY,
      env: {},
      dataDirs: [],
      provenance: {
        name: 'debian-7.2',
        family: 'stock',
        kind: 'system-package',
        source: `qemu-system-x86 ${version}`,
        binary: SYSTEM_BINARY,
        version: await qemuVersionLine(SYSTEM_BINARY, {}),
        sha256: sha256File(SYSTEM_BINARY),
      },
    };
  },
};

const BPO_PACKAGES = ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data', 'seabios'];
const BPO_VERSION_PREFIX = '1:10.0.';

function bpoRoot(): string {
  return path.join(cacheRoot(), 'debian-bpo-10.0');
}

/** The newest complete extraction: `<cache>/debian-bpo-10.0/<qemu version>/` with a `complete` marker. */
function completedExtraction(): { dir: string; version: string } | undefined {
  if (!fs.existsSync(bpoRoot())) return undefined;
  const done = fs
    .readdirSync(bpoRoot())
    .filter((name) => fs.existsSync(path.join(bpoRoot(), name, 'complete')))
    .sort();
  const last = done.at(-1);
  return last ? { dir: path.join(bpoRoot(), last), version: fs.readFileSync(path.join(bpoRoot(), last, 'complete'), 'utf8').trim() } : undefined;
}

function bpoLayout(dir: string) {
  const root = path.join(dir, 'root');
  return {
    binary: path.join(root, 'usr/bin/qemu-system-x86_64'),
    moduleDir: path.join(root, 'usr/lib/x86_64-linux-gnu/qemu'),
    dataDirs: [path.join(root, 'usr/share/qemu'), path.join(root, 'usr/share/seabios')],
  };
}

/**
 * QEMU 10.0 from bookworm-backports, downloaded with a private apt configuration
 * and unpacked into the cache; never installed over the system's QEMU.
 */
export const debianBackportsBuild: BuildDefinition = {
  name: 'debian-bpo-10.0',
  family: 'paused-vcpu',
  description: 'QEMU 10.0 from Debian bookworm-backports, unpacked into the cache (upstream fix since 8.0)',
  inSetup: true,
  async prepare(log) {
    // Its shared libraries come from bookworm; the system package pulls them in.
    await ensurePackages(['qemu-system-x86'], log);
    if (completedExtraction()) return;
    const apt = new PrivateApt(path.join(cacheRoot(), 'apt-bookworm-backports'), 'bookworm-backports');
    log('fetching QEMU 10.0 from bookworm-backports (private apt lists under the cache)');
    await apt.update();
    const version = await apt.candidate('qemu-system-x86');
    if (!version?.startsWith(BPO_VERSION_PREFIX)) {
      throw new BuildNotReadyError('debian-bpo-10.0', `bookworm-backports offers qemu-system-x86 ${version ?? '(none)'}, not 10.0.x`);
    }
    const dir = path.join(bpoRoot(), version.replace(/[^A-Za-z0-9.+~-]/g, '_'));
    fs.rmSync(dir, { recursive: true, force: true });
    const debs = await apt.download(
      BPO_PACKAGES.map((pkg) => `${pkg}/bookworm-backports`),
      path.join(dir, 'debs'),
    );
    for (const deb of debs) await extractDeb(deb, path.join(dir, 'root'));
    const layout = bpoLayout(dir);
    if (!fs.existsSync(layout.binary)) throw new BuildNotReadyError('debian-bpo-10.0', `${layout.binary} missing after extraction`);
    fs.writeFileSync(path.join(dir, 'complete'), `${version}\n`);
  },
  async resolve(): Promise<ResolvedBuild> {
    const found = completedExtraction();
    if (!found) throw new BuildNotReadyError('debian-bpo-10.0', `no extracted QEMU 10.0 under ${bpoRoot()}`);
    const layout = bpoLayout(found.dir);
    // Without its own module dir it would load the system 7.2 modules and abort.
    const env = { QEMU_MODULE_DIR: layout.moduleDir };
    return {
      name: 'debian-bpo-10.0',
      binary: layout.binary,
      env,
      dataDirs: layout.dataDirs,
      provenance: {
        name: 'debian-bpo-10.0',
        family: 'paused-vcpu',
        kind: 'backports-package',
        source: `qemu-system-x86 ${found.version} (bookworm-backports)`,
        binary: layout.binary,
        version: await qemuVersionLine(layout.binary, env),
        sha256: sha256File(layout.binary),
      },
    };
  },
};
