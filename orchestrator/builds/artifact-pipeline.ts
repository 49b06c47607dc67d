import fs from 'node:fs';
import path from 'node:path';
import { ensurePackages } from '../setup/system-packages.js';
import { withBuildLock } from './build-lock.js';
import type { BuildLog, BuildProgress } from './build-types.js';

/**
 * The one way slotlab builds something from source, QEMU or Linux alike:
 * source tree ready (fetched, checked out, series applied) -> configure ->
 * compile with progress -> install into a folder keyed by every input, with
 * its provenance. A recipe says how each step is done for its kind of tree;
 * this module owns the order, the work folder's lock, the cache hit and the
 * install (a staging folder renamed into place, so a crash never leaves a
 * half-installed artifact that looks complete).
 */
export interface ArtifactRecipe<Provenance> {
  /** Build name, as progress and errors say it. */
  name: string;
  /** Debian packages the steps need. */
  packages: readonly string[];
  /** The work folder the steps share, held by a lock (ccache hits need a fixed path). */
  workDir: string;
  /** Where this run's logs go inside the work folder (emptied first, copied into the artifact). */
  logsDir: string;
  /** The finished artifact's folder: keyed by every input, so a change of any is another folder. */
  installDir: string;
  /** The installed artifact for exactly these inputs, without building. */
  installed(): Provenance | undefined;
  /** The source tree in the work folder: fetched or checked out, the series applied. */
  prepare(step: RecipeStep): Promise<void>;
  configure(step: RecipeStep): Promise<void>;
  compile(step: RecipeStep): Promise<void>;
  /** The files the install copies into the artifact's folder. */
  outputs(step: RecipeStep): readonly ArtifactFile[];
  /** The provenance written beside them, from the files in `staging`; `installDir` is where they will be. */
  provenance(staging: string, step: RecipeStep): Promise<Provenance>;
}

/** What each step of a recipe is handed. */
export interface RecipeStep {
  log: BuildLog;
  progress?: BuildProgress;
  /** Date.now() when the work folder's lock was taken. */
  startedAt: number;
}

export interface ArtifactFile {
  /** A file the compile left in the work folder. */
  from: string;
  /** Its path inside the artifact's folder. */
  to: string;
  mode?: number;
}

/** The artifact for the recipe's inputs: from the cache, or built, installed and then returned. */
export async function produceArtifact<Provenance>(recipe: ArtifactRecipe<Provenance>, log: BuildLog, progress?: BuildProgress): Promise<Provenance> {
  const hit = recipe.installed();
  if (hit) return hit;
  await ensurePackages(recipe.packages, log);
  return withBuildLock(recipe.workDir, async () => {
    const step: RecipeStep = { log, progress, startedAt: Date.now() };
    fs.rmSync(recipe.logsDir, { recursive: true, force: true });
    fs.mkdirSync(recipe.logsDir, { recursive: true });
    await recipe.prepare(step);
    await recipe.configure(step);
    await recipe.compile(step);
    progress?.({ build: recipe.name, phase: 'install' });
    const installed = await installArtifact(recipe.installDir, recipe.outputs(step), recipe.logsDir, (staging) => recipe.provenance(staging, step));
    log(`${recipe.name}: built in ${Math.round((Date.now() - step.startedAt) / 1000)} s -> ${recipe.installDir}`);
    return installed;
  });
}

/**
 * Copies `files` and the logs into `<dir>.partial`, writes provenance.json and
 * renames the folder to `dir`: the artifact appears complete or not at all.
 */
export async function installArtifact<Provenance>(
  dir: string,
  files: readonly ArtifactFile[],
  logs: string | undefined,
  provenance: (staging: string) => Promise<Provenance>,
): Promise<Provenance> {
  const staging = `${dir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const file of files) {
    const target = path.join(staging, file.to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file.from, target);
    if (file.mode !== undefined) fs.chmodSync(target, file.mode);
  }
  if (logs !== undefined && fs.existsSync(logs)) fs.cpSync(logs, path.join(staging, 'logs'), { recursive: true });
  const result = await provenance(staging);
  fs.writeFileSync(path.join(staging, 'provenance.json'), JSON.stringify(result, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return result;
}

/** The provenance.json of an installed artifact whose files are all there, else undefined. */
export function readInstalledArtifact<Provenance>(dir: string, files: readonly string[]): Provenance | undefined {
  const file = path.join(dir, 'provenance.json');
  if (!fs.existsSync(file) || files.some((each) => !fs.existsSync(path.join(dir, each)))) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Provenance;
}
