import type { BuildProvenance } from '../builds/build-types.js';

export const RECORD_SCHEMA = 'slotlab.iteration/1';

export type Outcome = 'guest-lost' | 'survived' | 'stalled' | 'error';

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export interface FailureDetail {
  runState: string;
  suberror: number | undefined;
  emulationFailure: boolean;
  vcpu: number | undefined;
  instructionPointer: number | undefined;
  /** Whether the failing instruction pointer lies in the spin loops' range. */
  inLoopRange: boolean;
}

/** One iteration (one guest boot) of one suite on one build: the unit everything downstream counts. */
export interface IterationRecord {
  schema: typeof RECORD_SCHEMA;
  runId: string;
  suite: { name: string; file: string; sha256: string };
  build: BuildProvenance;
  host: { kernel: string; cpu: string };
  iteration: number;
  seed: number;
  startedAt: string;
  durationMs: number;
  outcome: Outcome;
  /** What ended the iteration: mutations | duration | the run state | qemu-exited | error. */
  stopReason: string;
  limits: { mutations: number; durationSeconds: number };
  mutationsAttempted: number;
  mutationsApplied: number;
  timeToFailureMs: number | null;
  failure: FailureDetail | null;
  /** Per-vCPU loop counters (decimal strings: they are 64-bit) before the first and after the last mutation. */
  progressBefore: string[];
  progressAfter: string[];
  progressRising: boolean;
  latency: LatencySummary | null;
  stderrExcerpt: string;
  error: { code: string; message: string } | null;
}
