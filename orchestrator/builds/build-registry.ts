import { SlotlabError } from '../errors.js';
import type { BuildDefinition, ResolvedBuild } from './build-types.js';
import { debianBackportsBuild, debianSystemBuild } from './debian-builds.js';
import { qemuVariantBuilds } from './qemu-variants.js';
import { userBuilds } from './user-builds.js';

export class UnknownBuildError extends SlotlabError {
  constructor(name: string) {
    super('UNKNOWN_BUILD', `unknown build '${name}'; known builds: ${knownBuilds().map((b) => b.name).join(', ')} (see \`slotlab builds\`)`);
  }
}

export const BUILT_IN_BUILDS: readonly BuildDefinition[] = [debianSystemBuild, debianBackportsBuild, ...qemuVariantBuilds];

/** Built-in builds, then those registered with `slotlab build --qemu-bin/--qemu-src`. */
export function knownBuilds(): readonly BuildDefinition[] {
  return [...BUILT_IN_BUILDS, ...userBuilds()];
}

export function findBuild(name: string): BuildDefinition {
  const build = knownBuilds().find((candidate) => candidate.name === name);
  if (!build) throw new UnknownBuildError(name);
  return build;
}

export function resolveBuild(name: string): Promise<ResolvedBuild> {
  return findBuild(name).resolve();
}
