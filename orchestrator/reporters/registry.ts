import { jsonReporter } from './json-reporter.js';
import { notesReporter } from './notes-reporter.js';
import { progressReporter } from './progress-reporter.js';
import { type LiveReporter, combineReporters } from './reporter.js';
import { tableReporter } from './table-reporter.js';

/** What `--reporter` chooses; stderr notes (boot retries, notices) come with each. */
export const REPORTERS = {
  /** Live progress on stderr, then the table and the verdicts on stdout (the default). */
  table: () => combineReporters(notesReporter(), progressReporter(), tableReporter()),
  /** Every record as one JSON line on stdout (`--json`). */
  json: () => combineReporters(notesReporter(), jsonReporter()),
  /** Live progress only: what `verdict`, `bisect` and `publish` show while they run. */
  progress: () => combineReporters(notesReporter(), progressReporter()),
} as const;

export type ReporterName = keyof typeof REPORTERS;
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

export function liveReporter(name: ReporterName): LiveReporter {
  return REPORTERS[name]();
}
