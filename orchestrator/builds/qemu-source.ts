import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import type { BuildLog } from './build-types.js';
import { type CachedSource, cachedSource, completeSource, fetchScratch } from './source-cache.js';
import { PrivateApt } from './private-apt.js';

export class QemuSourceError extends SlotlabError {
  constructor(detail: string) {
    super('QEMU_SOURCE', `${detail}; check that Debian's archive (deb-src) is reachable, or remove ${sourcesRoot()} and retry`);
  }
}

/** An unpacked Debian source package of QEMU (Debian's own patches applied by dpkg-source); version e.g. `1:7.2+dfsg-7+deb12u18`. */
export type QemuSource = CachedSource;

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
  return cachedSource(path.join(sourcesRoot(), base));
}

/** The Debian release whose source package `qemu` is QEMU `base`. */
export const SOURCE_SUITES: Readonly<Record<string, string>> = { '7.2': 'bookworm', '10.0': 'trixie' };

/**
 * Debian's QEMU source for `base` (bookworm's 7.2, trixie's 10.0), fetched once
 * with `apt-get source` through slotlab's private apt configuration (the
 * system's sources stay untouched); Debian's own patches are applied.
 */
export async function debianQemuSource(base: string, log: BuildLog): Promise<QemuSource> {
  const cached = cachedQemuSource(base);
  if (cached) return cached;
  const suite = SOURCE_SUITES[base];
  if (!suite) throw new QemuSourceError(`no Debian release is known to carry QEMU ${base} (known: ${Object.entries(SOURCE_SUITES).map(([b, s]) => `${b} in ${s}`).join(', ')})`);
  const apt = new PrivateApt(path.join(cacheRoot(), `apt-${suite}-src`), suite, true);
  log(`fetching Debian ${suite}'s QEMU ${base} source (apt-get source qemu, private lists under the cache)`);
  await apt.update();
  const root = path.join(sourcesRoot(), base);
  const scratch = fetchScratch(root);
  await apt.source('qemu', scratch);
  const version = versionFromDsc(scratch);
  const tree = fs.readdirSync(scratch).find((name) => fs.statSync(path.join(scratch, name)).isDirectory());
  if (!version || !tree) throw new QemuSourceError(`apt-get source qemu left no .dsc or source tree in ${scratch}`);
  const upstream = version.replace(/^\d+:/, '');
  if (!upstream.startsWith(`${base}+`) && !upstream.startsWith(`${base}-`) && !upstream.startsWith(`${base}.`)) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw new QemuSourceError(`${suite}'s source package qemu is ${version}, not QEMU ${base}`);
  }
  return completeSource(root, scratch, version, tree);
}
