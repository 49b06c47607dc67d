import { BuildNotReadyError } from '../builds/build-errors.js';
import { findBuild } from '../builds/build-registry.js';
import type { BuildLog, BuildProgress } from '../builds/build-types.js';
import { findKernel } from '../kernels/kernel-registry.js';

interface Preparable {
  name: string;
  prepare(log: BuildLog, progress?: BuildProgress): Promise<void>;
  resolve(): Promise<unknown>;
}

/** Whether `resolve` finds the thing built; a failure other than "not built yet" propagates. */
async function ready(thing: Preparable): Promise<boolean> {
  try {
    await thing.resolve();
    return true;
  } catch (error) {
    if (error instanceof BuildNotReadyError) return false;
    throw error;
  }
}

/**
 * Builds (or fetches) the builds and kernels a command needs that `slotlab setup`
 * left for later, once, saying so and showing their progress; what is built is
 * cached like everything setup makes. Returns the names it prepared.
 */
export async function ensureBuilt(what: { builds?: readonly string[]; kernels?: readonly string[] }, log: BuildLog, progress?: BuildProgress): Promise<string[]> {
  const prepared: string[] = [];
  // Every name is looked up first: an unknown one is refused before anything is built.
  const things: [string, Preparable][] = [...(what.builds ?? []).map((name) => ['build', findBuild(name)] as [string, Preparable]), ...(what.kernels ?? []).map((name) => ['kernel', findKernel(name)] as [string, Preparable])];
  for (const [kind, thing] of things) {
    if (await ready(thing)) continue;
    const started = performance.now();
    log(`${kind} ${thing.name} is not built yet: building it now (once; later commands reuse it)`);
    await thing.prepare(log, progress);
    await thing.resolve();
    log(`${kind} ${thing.name}: ready after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    prepared.push(thing.name);
  }
  return prepared;
}
