import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';

/** Which slotlab made a run: its package version and the commit of its checkout. */
export interface SlotlabIdentity {
  version: string;
  /** The checkout's HEAD commit; null outside a git checkout (an unpacked copy). */
  commit: string | null;
}

/**
 * Read from the files git keeps, without running git: inside a kernel under test the checkout is
 * a read-only 9p mount under TCG, where `git` itself would walk the whole tree.
 */
export function slotlabIdentity(root = repoRoot): SlotlabIdentity {
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return { version, commit: headCommit(path.join(root, '.git')) };
}

export function headCommit(gitDir: string): string | null {
  try {
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const loose = path.join(gitDir, ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    const packed = fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
    return packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
  } catch {
    return null;
  }
}
