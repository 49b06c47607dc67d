import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this file holding slotlab's package.json, whether
 * this runs from orchestrator/, dist/orchestrator/ or a bundle (dist/host-tier/, the CLI's bundle).
 */
export const repoRoot = (() => {
  let at = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(at, 'package.json'), 'utf8')) as { name?: string }).name === 'slotlab') return at;
    } catch {
      // no package.json here, or not ours
    }
    const up = path.dirname(at);
    if (up === at) throw new Error(`slotlab: no slotlab package.json above ${fileURLToPath(import.meta.url)}; run slotlab from its repository`);
    at = up;
  }
})();

/** Where the cache and the runs live; set once by whoever starts slotlab (the CLI, from its environment). */
export interface SlotlabPaths {
  /** Slow things: downloaded and built QEMUs and kernels, apt lists, images' inputs. */
  cache: string;
  /** One folder per run (records, manifest, lock). */
  runs: string;
  /** Saved guest states (boot once, restore many). */
  states: string;
}

const DEFAULT_CACHE = path.join(os.homedir(), '.cache', 'slotlab');
const DEFAULT_RUNS = path.join(repoRoot, 'results', 'runs');
const STATES_IN_CACHE = 'guest-states';
let configured: SlotlabPaths = { cache: DEFAULT_CACHE, runs: DEFAULT_RUNS, states: path.join(DEFAULT_CACHE, STATES_IN_CACHE) };

/**
 * Points the cache, the runs and the saved states elsewhere (relative paths from the working folder;
 * one not given is its default, the states the cache's guest-states/); returns what was configured before.
 */
export function configurePaths(paths: Partial<SlotlabPaths>): SlotlabPaths {
  const previous = configured;
  const cache = paths.cache ? path.resolve(paths.cache) : DEFAULT_CACHE;
  configured = {
    cache,
    runs: paths.runs ? path.resolve(paths.runs) : DEFAULT_RUNS,
    states: paths.states ? path.resolve(paths.states) : path.join(cache, STATES_IN_CACHE),
  };
  return previous;
}

/** Where slow things (downloaded QEMU builds, apt lists) are cached: ~/.cache/slotlab unless configured. */
export const cacheRoot = (): string => configured.cache;

export const imagesDir = path.join(repoRoot, 'images');
export const imageBuildDir = path.join(imagesDir, 'build');
export const suitesDir = path.join(repoRoot, 'suites');
export const runsDir = (): string => configured.runs;
/** Where saved guest states are kept: the cache's guest-states/ unless configured (a kernel under test's job keeps them in its folder). */
export const statesDir = (): string => configured.states;
