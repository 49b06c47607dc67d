// Provenance is defined once, as a schema, where the records that carry it are defined.
export { BUILD_FAMILIES, BUILD_KINDS, type BuildFamily, type BuildKind, type BuildProvenance, type PatchProvenance } from '../results/provenance.js';
import type { BuildFamily, BuildProvenance } from '../results/provenance.js';

/** Phases a source build goes through, as shown by `slotlab build`. */
export type BuildPhase = 'fetch' | 'checkout' | 'patch' | 'configure' | 'compile' | 'install';
export interface BuildProgressEvent {
  build: string;
  phase: BuildPhase;
  /** Compile steps done and total, from ninja's `[n/N]`. */
  done?: number;
  total?: number;
}
export type BuildLog = (line: string) => void;
export type BuildProgress = (event: BuildProgressEvent) => void;

/** A build ready to launch: binary plus whatever environment it needs to find its own modules and firmware. */
export interface ResolvedBuild {
  name: string;
  binary: string;
  env: Record<string, string>;
  dataDirs: string[];
  provenance: BuildProvenance;
}

export interface BuildDefinition {
  name: string;
  family: BuildFamily;
  description: string;
  /** Whether `slotlab setup --tests` prepares it (the tests use it; the main job's setup takes the demo's builds only). */
  inSetup: boolean;
  /** Debian packages its prepare() installs when it builds (setup installs them in one go beforehand). */
  packages?: readonly string[];
  /** Makes the build present (install, download or compile); idempotent and cached. */
  prepare(log: BuildLog, progress?: BuildProgress): Promise<void>;
  /** Resolves an already prepared build, or throws BuildNotReadyError saying how to prepare it. */
  resolve(): Promise<ResolvedBuild>;
}
