import type { IterationRecord } from '../results/record.js';
import type { RunManifest } from '../results/run-manifest.js';
import type { RunFiles } from '../results/run-store.js';
import type { PlanItem } from '../runner/plan.js';

export interface RunStart {
  files: RunFiles;
  suite: string;
  items: readonly PlanItem[];
  /** The items this session runs (all of them, or what a resume left). */
  remaining: readonly PlanItem[];
  /** Records of earlier sessions of a resumed run. */
  previous: readonly IterationRecord[];
}

export interface RunEnd {
  files: RunFiles;
  manifest: RunManifest | undefined;
  /** Every record of the run, earlier sessions' included. */
  records: readonly IterationRecord[];
  /** For a run inside a kernel under test: which kernel, and what it said of itself. */
  kernel?: { name: string; release: string; listIoctl: number };
}

/**
 * Hears a run as it happens. `slotlab run`, `verdict`, `bisect` and `publish`
 * hand one to the runner; a format is one file in this folder and one entry in
 * registry.ts. Every method is optional.
 */
export interface LiveReporter {
  runStarted?(start: RunStart): void;
  iteration?(record: IterationRecord, done: number, total: number): void;
  /** An iteration whose guest was lost while booting, about to boot again (`attempt` of `of`). */
  bootRetry?(lost: IterationRecord, attempt: number, of: number): void;
  /** Something the user should know that is not an error (a torn tail cut off, a stale lock taken over). */
  notice?(message: string): void;
  runEnded?(end: RunEnd): void;
}

/** Several reporters as one, each hearing every event in turn. */
export function combineReporters(...reporters: LiveReporter[]): LiveReporter {
  return {
    runStarted: (start) => reporters.forEach((reporter) => reporter.runStarted?.(start)),
    iteration: (record, done, total) => reporters.forEach((reporter) => reporter.iteration?.(record, done, total)),
    bootRetry: (lost, attempt, of) => reporters.forEach((reporter) => reporter.bootRetry?.(lost, attempt, of)),
    notice: (message) => reporters.forEach((reporter) => reporter.notice?.(message)),
    runEnded: (end) => reporters.forEach((reporter) => reporter.runEnded?.(end)),
  };
}
