/** Which fix a build carries: the column a suite's expectation is written for. */
export const BUILD_FAMILIES = ['stock', 'paused-vcpu', 'atomic-ioctl'] as const;
export type BuildFamily = (typeof BUILD_FAMILIES)[number];

/** Where a build's binary came from and what exactly it is; copied into every result record. */
export interface BuildProvenance {
  name: string;
  family: BuildFamily;
  kind: 'system-package' | 'backports-package';
  /** Debian package and version the binary came from. */
  source: string;
  binary: string;
  /** First line of `qemu-system-x86_64 --version`. */
  version: string;
  sha256: string;
}

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
  /** Makes the build present (install or download); idempotent and cached. */
  prepare(log: (line: string) => void): Promise<void>;
  /** Resolves an already prepared build, or throws BuildNotReadyError saying how to prepare it. */
  resolve(): Promise<ResolvedBuild>;
}
