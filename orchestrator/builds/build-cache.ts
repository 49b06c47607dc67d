import { createHash } from 'node:crypto';
import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { readInstalledArtifact } from './artifact-pipeline.js';
import type { BuildProvenance, PatchProvenance } from './build-types.js';

/** What a source build is keyed on: a change in any of it is a different build. */
export interface BuildKeyInputs {
  sourceVersion: string;
  patches: readonly PatchProvenance[];
  configureFlags: readonly string[];
}

export function buildKey(inputs: BuildKeyInputs): string {
  const canonical = JSON.stringify({
    source: inputs.sourceVersion,
    patches: inputs.patches.map((patch) => [patch.name, patch.sha256]),
    configure: inputs.configureFlags,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 20);
}

export function buildsRoot(): string {
  return path.join(cacheRoot(), 'qemu-builds');
}

/** `<cache>/qemu-builds/<build name>/<key>/` holds bin/, logs/ and provenance.json once complete. */
export function installDir(name: string, key: string): string {
  return path.join(buildsRoot(), name, key);
}

export const INSTALLED_BINARY = path.join('bin', 'qemu-system-x86_64');

/** The installed QEMU build in `dir` (its binary and provenance), if complete. */
export function readInstalled(dir: string): BuildProvenance | undefined {
  return readInstalledArtifact<BuildProvenance>(dir, [INSTALLED_BINARY]);
}
