import { SlotlabError } from '../errors.js';
import type { BuildDefinition, ResolvedBuild } from './build-types.js';
import { debianBackportsBuild, debianSystemBuild } from './debian-builds.js';

export class UnknownBuildError extends SlotlabError {
  constructor(name: string) {
    super('UNKNOWN_BUILD', `unknown build '${name}'; known builds: ${knownBuilds().map((b) => b.name).join(', ')} (see \`slotlab builds\`)`);
  }
}

const BUILDS: readonly BuildDefinition[] = [debianSystemBuild, debianBackportsBuild];

export function knownBuilds(): readonly BuildDefinition[] {
  return BUILDS;
}

export function findBuild(name: string): BuildDefinition {
  const build = BUILDS.find((candidate) => candidate.name === name);
  if (!build) throw new UnknownBuildError(name);
  return build;
}

export function resolveBuild(name: string): Promise<ResolvedBuild> {
  return findBuild(name).resolve();
}
