import type { IterationRecord } from '../results/record.js';

/** Iterations that could not be run (error, stall) after which an until-lost run stops: the version is untestable. */
export const UNTIL_LOST_MAX_ERRORS = 2;

/** Whether a run planned with `untilLost` is over: a guest was lost (conclusive), or too many iterations could not be run. */
export function untilLostDone(records: readonly IterationRecord[]): boolean {
  if (records.some((record) => record.outcome === 'guest-lost')) return true;
  return records.filter((record) => record.outcome === 'error' || record.outcome === 'stalled').length >= UNTIL_LOST_MAX_ERRORS;
}
