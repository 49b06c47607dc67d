import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { BuildLog } from '../builds/build-types.js';
import { PrivateApt, extractDeb } from '../builds/private-apt.js';
import { type CachedSource, cachedSource, completeSource, fetchScratch } from '../builds/source-cache.js';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';

export class LinuxSourceError extends SlotlabError {
  constructor(detail: string) {
    super('LINUX_SOURCE', `${detail}; check that Debian's archive is reachable, or remove ${linuxSourcesRoot()} and retry`);
  }
}

/** Debian's kernel source (package linux-source-<base>, Debian's patches applied), unpacked; version e.g. `6.1.176-1`. */
export type LinuxSource = CachedSource;

export function linuxSourcesRoot(): string {
  return path.join(cacheRoot(), 'linux-src');
}

/** The newest completed unpacking of linux-source-`base` in the cache, without touching the network. */
export function cachedLinuxSource(base: string): LinuxSource | undefined {
  return cachedSource(path.join(linuxSourcesRoot(), base));
}

/** The Debian suite that ships linux-source-`base`: bookworm's own 6.1, bookworm-backports' newer series. */
export function linuxSourceSuite(base: string): string {
  return base === '6.1' ? 'bookworm' : 'bookworm-backports';
}

/**
 * Debian's linux-source-`base` (a .deb holding the source tarball) from the
 * suite that ships it, downloaded through slotlab's private apt
 * configuration and unpacked once.
 */
export async function debianLinuxSource(base: string, log: BuildLog): Promise<LinuxSource> {
  const cached = cachedLinuxSource(base);
  if (cached) return cached;
  const pkg = `linux-source-${base}`;
  const suite = linuxSourceSuite(base);
  const apt = new PrivateApt(path.join(cacheRoot(), `apt-${suite}`), suite);
  log(`fetching Debian's ${pkg} from ${suite} (private apt lists under the cache)`);
  await apt.update();
  const version = await apt.candidate(pkg);
  if (!version) throw new LinuxSourceError(`${suite} has no package ${pkg}`);
  const root = path.join(linuxSourcesRoot(), base);
  const scratch = fetchScratch(root);
  const [deb] = await apt.download([`${pkg}=${version}`], path.join(scratch, 'deb'));
  if (!deb) throw new LinuxSourceError(`apt-get download ${pkg}=${version} left no .deb`);
  await extractDeb(deb, path.join(scratch, 'deb', 'root'));
  const tarball = path.join(scratch, 'deb', 'root', 'usr', 'src', `${pkg}.tar.xz`);
  if (!fs.existsSync(tarball)) throw new LinuxSourceError(`${path.basename(deb)} holds no usr/src/${pkg}.tar.xz`);
  log(`unpacking ${pkg}.tar.xz`);
  const untar = await execa('tar', ['-xf', tarball, '-C', scratch], { reject: false, all: true });
  if (untar.exitCode !== 0) throw new LinuxSourceError(`tar -xf ${tarball} failed: ${untar.all}`);
  fs.rmSync(path.join(scratch, 'deb'), { recursive: true, force: true });
  if (!fs.existsSync(path.join(scratch, pkg, 'Makefile'))) throw new LinuxSourceError(`${pkg}.tar.xz did not unpack to ${pkg}/`);
  return completeSource(root, scratch, version, pkg);
}
