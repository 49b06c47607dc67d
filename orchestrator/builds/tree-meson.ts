import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import { versionAtLeast } from './configure-flags.js';
import { PrivateApt, extractDeb } from './private-apt.js';

/**
 * The meson a QEMU tree configures with. QEMU 8.1 and later configure inside
 * a Python venv of their own (with the system's packages visible) and insist
 * on a minimum meson: a tree's own wheel (python/wheels, in upstream git trees
 * and release tarballs) serves offline; Debian's source packages ship none, and
 * bookworm's meson (1.0.1) is too old for them, so slotlab fetches
 * bookworm-backports' meson through its private apt configuration and puts it
 * on the venv's path. Never the network at configure time.
 */
export interface TreeMeson {
  /** Where meson comes from, as it goes into the configure line recorded with the build. */
  how: 'as the tree chooses' | 'tree wheel' | 'system' | `bookworm-backports ${string}`;
  /** Added to the configure step's environment. */
  env: Record<string, string>;
}

export class MesonUnavailableError extends SlotlabError {
  constructor(tree: string, needed: string, detail: string) {
    super(
      'MESON_UNAVAILABLE',
      `the QEMU tree ${tree} needs meson ${needed}: ${detail}; give the tree its wheel (python/wheels/meson-*.whl, as upstream's git tree has) ` +
        "or install a meson that new (Debian's bookworm-backports has one: apt-get install -t bookworm-backports meson)",
    );
  }
}

/** The lowest meson the tree accepts (`pythondeps.toml` from 8.2, the configure script in 8.1); undefined before 8.1. */
export function mesonRequirement(tree: string): string | undefined {
  const deps = path.join(tree, 'pythondeps.toml');
  if (fs.existsSync(deps)) {
    const accepted = /^meson\s*=\s*\{[^}]*accepted\s*=\s*">=\s*([0-9.]+)"/m.exec(fs.readFileSync(deps, 'utf8'));
    if (accepted) return accepted[1];
  }
  const configure = path.join(tree, 'configure');
  const ensured = fs.existsSync(configure) ? /mkvenv[^\n]*"meson>=([0-9.]+)"/.exec(fs.readFileSync(configure, 'utf8')) : null;
  return ensured?.[1];
}

/** The version of the meson on the fixed build PATH, if there is one. */
async function systemMesonVersion(env: Record<string, string>): Promise<string | undefined> {
  const result = await execa('meson', ['--version'], { env, extendEnv: false, reject: false, stdin: 'ignore' });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** bookworm-backports' meson, unpacked once under the cache (never installed). */
export async function backportsMeson(log: (line: string) => void): Promise<{ root: string; version: string }> {
  const base = path.join(cacheRoot(), 'meson-bpo');
  const done = fs.existsSync(base) ? fs.readdirSync(base).find((name) => fs.existsSync(path.join(base, name, 'complete'))) : undefined;
  if (done) return { root: path.join(base, done), version: fs.readFileSync(path.join(base, done, 'complete'), 'utf8').trim() };
  const apt = new PrivateApt(path.join(cacheRoot(), 'apt-bookworm-backports'), 'bookworm-backports');
  log("fetching bookworm-backports' meson (private apt lists under the cache)");
  await apt.update();
  const candidate = await apt.candidate('meson');
  if (!candidate) throw new MesonUnavailableError('(any)', 'from bookworm-backports', 'bookworm-backports has no meson package');
  const root = path.join(base, candidate.replace(/[^A-Za-z0-9.+-]/g, '_'));
  fs.rmSync(root, { recursive: true, force: true });
  const debs = await apt.download([`meson=${candidate}`], path.join(root, 'debs'));
  for (const deb of debs) await extractDeb(deb, root);
  const version = candidate.replace(/^\d+:/, '').replace(/-.*$/, '');
  fs.writeFileSync(path.join(root, 'complete'), version + '\n');
  return { root, version };
}

/** Chooses the meson for `tree` (see TreeMeson), fetching bookworm-backports' when nothing else is new enough. */
export async function mesonForTree(tree: string, env: Record<string, string>, log: (line: string) => void): Promise<TreeMeson> {
  const needed = mesonRequirement(tree);
  if (needed === undefined) return { how: 'as the tree chooses', env: {} };
  const wheels = path.join(tree, 'python', 'wheels');
  if (fs.existsSync(wheels) && fs.readdirSync(wheels).some((name) => /^meson-.*\.whl$/.test(name))) return { how: 'tree wheel', env: {} };
  const system = await systemMesonVersion(env);
  if (system && versionAtLeast(system, needed)) return { how: 'system', env: {} };
  const backports = await backportsMeson(log);
  if (!versionAtLeast(backports.version, needed)) throw new MesonUnavailableError(tree, `>= ${needed}`, `the system has ${system ?? 'none'}, bookworm-backports ${backports.version}`);
  return {
    how: `bookworm-backports ${backports.version}`,
    env: { PATH: `${path.join(backports.root, 'usr', 'bin')}:${env.PATH ?? ''}`, PYTHONPATH: path.join(backports.root, 'usr', 'lib', 'python3', 'dist-packages') },
  };
}
