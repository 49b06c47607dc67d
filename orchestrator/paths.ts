import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from orchestrator/ or dist/orchestrator/. */
export const repoRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const at = parts.lastIndexOf('orchestrator');
  const root = parts.slice(0, at).join(path.sep) || path.sep;
  return path.basename(root) === 'dist' ? path.dirname(root) : root;
})();

/** Where slow things (downloaded QEMU builds, apt lists) are cached: $SLOTLAB_CACHE or ~/.cache/slotlab. */
export function cacheRoot(): string {
  if (process.env.SLOTLAB_CACHE) return path.resolve(process.env.SLOTLAB_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'slotlab');
}

export const imagesDir = path.join(repoRoot, 'images');
export const imageBuildDir = path.join(imagesDir, 'build');
export const suitesDir = path.join(repoRoot, 'suites');
export const runsDir = () => process.env.SLOTLAB_RUNS_DIR ?? path.join(repoRoot, 'results', 'runs');
