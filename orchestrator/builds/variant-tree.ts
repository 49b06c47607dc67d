import fs from 'node:fs';
import path from 'node:path';
import { runBuildStep } from './build-step.js';

/**
 * One patched source tree per base, kept between the builds of its variants: going
 * from one variant to another reverts the patches the two series do not share
 * (from the copies kept when they were applied, so an edited patch file still
 * reverts what was applied) and applies the new ones. Only the files those patches
 * touch get new times, so make or ninja in a kept build folder recompiles only what
 * depends on them. A tree of another source, a revert that fails, or a switch that
 * was cut short makes the tree afresh (a hard-linked copy of the pristine tree)
 * and empties the build folder first: the copy's files carry the pristine times,
 * older than objects compiled from patched versions of them.
 */
export interface VariantTree {
  build: string;
  env: Record<string, string>;
  /** Pristine source tree; hard-linked, never written (GNU patch replaces the files it changes). */
  pristine: string;
  /** The tree kept for this base. */
  into: string;
  /** The build folder kept beside it: emptied whenever the tree is made afresh, before the tree counts as clean. */
  buildDir: string;
  patches: readonly { name: string; file: string; sha256: string }[];
  logFile: string;
  log: (line: string) => void;
}

interface TreeState {
  pristine: string;
  /** False from the first revert until the last patch applied: a tree left so is not trusted. */
  clean: boolean;
  applied: { name: string; sha256: string }[];
}

const stateDir = (into: string) => `${into}.applied`;
const stateFile = (into: string) => path.join(stateDir(into), 'state.json');
const keptPatch = (into: string, index: number) => path.join(stateDir(into), `${index}.patch`);

function readState(into: string): TreeState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(into), 'utf8')) as TreeState;
  } catch {
    return undefined;
  }
}

function writeState(into: string, state: TreeState): void {
  fs.mkdirSync(stateDir(into), { recursive: true });
  const temporary = `${stateFile(into)}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state));
  fs.renameSync(temporary, stateFile(into));
}

/** How many leading patches two series share (same name, same content). */
export function sharedPrefix(a: readonly { name: string; sha256: string }[], b: readonly { name: string; sha256: string }[]): number {
  let shared = 0;
  while (shared < a.length && shared < b.length && a[shared]!.name === b[shared]!.name && a[shared]!.sha256 === b[shared]!.sha256) shared++;
  return shared;
}

/** Brings the kept tree to `tree.patches`; `fresh` when it was made anew (its build folder emptied). */
export async function switchVariantTree(tree: VariantTree): Promise<{ fresh: boolean; reverted: number; applied: number }> {
  const state = readState(tree.into);
  const usable = state !== undefined && state.clean && state.pristine === tree.pristine && fs.existsSync(tree.into);
  if (usable && (await switchInPlace(tree, state))) {
    return { fresh: false, reverted: state.applied.length - sharedPrefix(state.applied, tree.patches), applied: tree.patches.length - sharedPrefix(state.applied, tree.patches) };
  }
  await freshTree(tree);
  return { fresh: true, reverted: 0, applied: tree.patches.length };
}

async function switchInPlace(tree: VariantTree, state: TreeState): Promise<boolean> {
  const shared = sharedPrefix(state.applied, tree.patches);
  const applied = state.applied.slice(0, shared);
  writeState(tree.into, { ...state, clean: false });
  const step = { build: tree.build, env: tree.env, step: 'patch' as const, logFile: tree.logFile, cwd: tree.into };
  try {
    for (let index = state.applied.length - 1; index >= shared; index--) {
      tree.log(`${tree.build}: reverting ${state.applied[index]!.name} (kept tree)`);
      await runBuildStep({ ...step, command: 'patch', args: ['-p1', '-R', '--forward', '--batch', '--no-backup-if-mismatch', '-i', keptPatch(tree.into, index)] });
    }
  } catch {
    tree.log(`${tree.build}: the kept tree did not revert cleanly; making it afresh`);
    return false;
  }
  for (let index = shared; index < tree.patches.length; index++) {
    await applyPatch(tree, index);
    applied.push({ name: tree.patches[index]!.name, sha256: tree.patches[index]!.sha256 });
  }
  writeState(tree.into, { pristine: tree.pristine, clean: true, applied });
  return true;
}

async function freshTree(tree: VariantTree): Promise<void> {
  // The state first: a removal cut short leaves nothing that still says clean.
  fs.rmSync(stateDir(tree.into), { recursive: true, force: true });
  fs.rmSync(tree.buildDir, { recursive: true, force: true });
  fs.rmSync(tree.into, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tree.into), { recursive: true });
  await runBuildStep({ build: tree.build, env: tree.env, step: 'patch', logFile: tree.logFile, command: 'cp', args: ['-al', tree.pristine, tree.into], cwd: path.dirname(tree.into) });
  writeState(tree.into, { pristine: tree.pristine, clean: false, applied: [] });
  for (let index = 0; index < tree.patches.length; index++) await applyPatch(tree, index);
  writeState(tree.into, { pristine: tree.pristine, clean: true, applied: tree.patches.map(({ name, sha256 }) => ({ name, sha256 })) });
}

async function applyPatch(tree: VariantTree, index: number): Promise<void> {
  const patch = tree.patches[index]!;
  tree.log(`${tree.build}: applying ${patch.name}`);
  fs.copyFileSync(patch.file, keptPatch(tree.into, index));
  await runBuildStep({
    build: tree.build,
    env: tree.env,
    step: 'patch',
    logFile: tree.logFile,
    cwd: tree.into,
    command: 'patch',
    args: ['-p1', '--forward', '--batch', '--no-backup-if-mismatch', '-i', keptPatch(tree.into, index)],
  });
}
