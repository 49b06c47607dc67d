import fs from 'node:fs';
import path from 'node:path';

/** An unpacked source tree in the cache, and the version it was fetched as (a Debian package version, for both QEMU and Linux). */
export interface CachedSource {
  version: string;
  tree: string;
}

/**
 * Sources of one base (e.g. QEMU 7.2, Linux 6.1) live in `<root>/<version>/`;
 * an unpacking is complete once its `complete` marker (version, then the
 * tree's folder name) exists. The newest complete one is used, found without
 * touching the network.
 */
export function cachedSource(root: string): CachedSource | undefined {
  if (!fs.existsSync(root)) return undefined;
  const marker = fs
    .readdirSync(root)
    .map((name) => path.join(root, name, 'complete'))
    .filter((file) => fs.existsSync(file))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs)
    .at(-1);
  if (!marker) return undefined;
  const [version, tree] = fs.readFileSync(marker, 'utf8').trim().split('\n');
  return { version: version!, tree: path.join(path.dirname(marker), tree!) };
}

/** A fresh folder to fetch into, private to this process, beside the finished ones. */
export function fetchScratch(root: string): string {
  const scratch = path.join(root, `.fetch-${process.pid}`);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  return scratch;
}

/** Moves a finished fetch into place (`<root>/<version>/`) and marks it complete: a crash before leaves no tree that looks finished. */
export function completeSource(root: string, scratch: string, version: string, tree: string): CachedSource {
  const dir = path.join(root, version.replace(/[^A-Za-z0-9.+~-]/g, '_'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(scratch, dir);
  fs.writeFileSync(path.join(dir, 'complete'), `${version}\n${tree}\n`);
  return { version, tree: path.join(dir, tree) };
}
