import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedKernel } from '../kernels/kernel-types.js';
import { cacheRoot } from '../paths.js';

/**
 * Saved guest states of runs inside a kernel under test. L1 sees the host's
 * cache read-only, so its job keeps states in its own folder: the states kept
 * here for the kernel are lent to the job before it starts (hard links, or
 * copies across file systems) and what the job saved or dropped is kept here
 * afterwards. One folder per kernel binary: KVM's state depends on it.
 */
export function kernelStatesDir(kernel: ResolvedKernel): string {
  return path.join(cacheRoot(), 'guest-states-in-kernels', `${kernel.name}-${kernel.provenance.sha256.slice(0, 12)}`);
}

/** Files below `root`, as paths relative to it. */
function filesBelow(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(root, name)).isFile());
}

function linkOrCopy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

/** Lends the kept states to a job's folder; returns what was lent. */
export function lendStates(kept: string, jobStates: string): string[] {
  fs.mkdirSync(jobStates, { recursive: true });
  const lent = filesBelow(kept);
  for (const name of lent) linkOrCopy(path.join(kept, name), path.join(jobStates, name));
  return lent;
}

/**
 * Keeps what the job left: states it saved (written beside, renamed into
 * place, so a half-copied file is never seen) and the removal of lent states
 * it dropped. States another run kept meanwhile stay.
 */
export function keepStates(jobStates: string, kept: string, lent: readonly string[]): void {
  const left = new Set(filesBelow(jobStates).filter((name) => !name.includes('.partial-')));
  for (const name of left) {
    const from = path.join(jobStates, name);
    const to = path.join(kept, name);
    if (fs.existsSync(to) && fs.statSync(to).ino === fs.statSync(from).ino) continue;
    const partial = `${to}.partial-${process.pid}`;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, partial);
    fs.renameSync(partial, to);
  }
  for (const name of lent) if (!left.has(name)) fs.rmSync(path.join(kept, name), { force: true });
}
