import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import type { BuildLog } from './build-types.js';
import { PrivateApt } from './private-apt.js';

export class QemuSourceError extends SlotlabError {
  constructor(detail: string) {
    super('QEMU_SOURCE', `${detail}; check that Debian's archive (deb-src) is reachable, or remove ${sourcesRoot()} and retry`);
  }
}

/** An unpacked Debian source package of QEMU (Debian's own patches applied by dpkg-source). */
export interface QemuSource {
  /** Debian source version, e.g. `1:7.2+dfsg-7+deb12u18`. */
  version: string;
  tree: string;
}

export function sourcesRoot(): string {
  return path.join(cacheRoot(), 'qemu-src');
}

function versionFromDsc(dir: string): string | undefined {
  const dsc = fs.readdirSync(dir).find((name) => name.endsWith('.dsc'));
  if (!dsc) return undefined;
  return /^Version:\s*(\S+)$/m.exec(fs.readFileSync(path.join(dir, dsc), 'utf8'))?.[1];
}

/** The newest completed source unpacking for `base` (e.g. `7.2`) in the cache, without touching the network. */
export function cachedQemuSource(base: string): QemuSource | undefined {
  const root = path.join(sourcesRoot(), base);
  if (!fs.existsSync(root)) return undefined;
  const done = fs
    .readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'complete')))
    .sort((a, b) => fs.statSync(path.join(a, 'complete')).mtimeMs - fs.statSync(path.join(b, 'complete')).mtimeMs);
  const dir = done.at(-1);
  if (!dir) return undefined;
  const [version, tree] = fs.readFileSync(path.join(dir, 'complete'), 'utf8').trim().split('\n');
  return { version: version!, tree: path.join(dir, tree!) };
}

/**
 * Debian bookworm's QEMU source for `base`, fetched once with `apt-get source`
 * through slotlab's private apt configuration (the system's sources stay untouched).
 */
export async function debianQemuSource(base: string, log: BuildLog): Promise<QemuSource> {
  const cached = cachedQemuSource(base);
  if (cached) return cached;
  const apt = new PrivateApt(path.join(cacheRoot(), 'apt-bookworm-src'), 'bookworm', true);
  log(`fetching Debian's QEMU ${base} source (apt-get source qemu, private lists under the cache)`);
  await apt.update();
  const scratch = path.join(sourcesRoot(), base, `.fetch-${process.pid}`);
  fs.rmSync(scratch, { recursive: true, force: true });
  await apt.source('qemu', scratch);
  const version = versionFromDsc(scratch);
  const tree = fs.readdirSync(scratch).find((name) => fs.statSync(path.join(scratch, name)).isDirectory());
  if (!version || !tree) throw new QemuSourceError(`apt-get source qemu left no .dsc or source tree in ${scratch}`);
  const upstream = version.replace(/^\d+:/, '');
  if (!upstream.startsWith(`${base}+`) && !upstream.startsWith(`${base}-`) && !upstream.startsWith(`${base}.`)) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw new QemuSourceError(`bookworm's source package qemu is ${version}, not QEMU ${base}`);
  }
  const dir = path.join(sourcesRoot(), base, version.replace(/[^A-Za-z0-9.+~-]/g, '_'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(scratch, dir);
  fs.writeFileSync(path.join(dir, 'complete'), `${version}\n${tree}\n`);
  return { version, tree: path.join(dir, tree) };
}
