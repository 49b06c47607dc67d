/** Which fix a build carries: the column a suite's expectation is written for. */
export const BUILD_FAMILIES = ['stock', 'paused-vcpu', 'atomic-ioctl'] as const;
export type BuildFamily = (typeof BUILD_FAMILIES)[number];

export const BUILD_KINDS = ['system-package', 'backports-package', 'source-build', 'user-source', 'user-binary'] as const;
export type BuildKind = (typeof BUILD_KINDS)[number];

export interface PatchProvenance {
  name: string;
  sha256: string;
}

/** Where a build's binary came from and what exactly it is; copied into every result record. */
export interface BuildProvenance {
  name: string;
  family: BuildFamily;
  kind: BuildKind;
  /** Debian package and version, source tree or path the binary came from. */
  source: string;
  binary: string;
  /** First line of `qemu-system-x86_64 --version`. */
  version: string;
  sha256: string;
  /** Source builds: the QEMU base (e.g. `7.2`) and the variant of qemu-patches/<base>/ applied to it. */
  base?: string;
  variant?: string;
  /** Source builds: the series in the order applied, each patch with its sha256. */
  patches?: PatchProvenance[];
  /** Source builds: the configure command line. */
  configure?: string;
  /** Source builds: when the build finished (ISO 8601) and how long it took. */
  builtAt?: string;
  buildSeconds?: number;
  /** Source builds: the cache key (source version, patch hashes, configure flags). */
  cacheKey?: string;
}

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
  /** Whether `slotlab setup` prepares it (the builds the default job and the tests use). */
  inSetup: boolean;
  /** Makes the build present (install, download or compile); idempotent and cached. */
  prepare(log: BuildLog, progress?: BuildProgress): Promise<void>;
  /** Resolves an already prepared build, or throws BuildNotReadyError saying how to prepare it. */
  resolve(): Promise<ResolvedBuild>;
}
