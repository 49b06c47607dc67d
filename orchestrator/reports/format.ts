import type { Interval } from '../stats/binomial.js';
import { type CellStats, formatProbability, verdictText } from '../stats/cell-stats.js';

/** Shared wording and number formats, so every report says the same thing the same way. */
export function formatInterval(interval: Interval): string {
  return `${formatProbability(interval.estimate)} [${formatProbability(interval.low)}, ${formatProbability(interval.high)}]`;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatUs(us: number | undefined): string {
  if (us === undefined) return '-';
  return us >= 1000 ? `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)} ms` : `${us} us`;
}

/** A quantile of a censored distribution: a number, "not reached" when too few guests were lost to reach it, "not measured" when a loss has no time. */
export function formatQuantile(value: number | undefined, censored: number, format: (n: number) => string = String, notMeasured = 0): string {
  if (notMeasured > 0) return 'not measured';
  if (value !== undefined) return format(value);
  return censored > 0 ? 'not reached' : '-';
}

/** The per-mutation interval, or '-' for a cell that mutated nothing. */
export function perMutationText(cell: CellStats): string {
  return cell.mutationsApplied === 0 ? '-' : `${formatInterval(cell.lossPerMutation)} of ${cell.mutationsApplied}`;
}

/** QMP reply latency, or for in-guest mutators the cost the guest measured. */
export function latencyText(cell: CellStats): string {
  if (cell.latency.count > 0) return `${formatUs(cell.latency.p50Us)} / ${formatUs(cell.latency.p99Us)}`;
  return cell.guestCost ? `guest mean ${formatUs(cell.guestCost.meanUs)}, max ${formatUs(cell.guestCost.maxUs)}` : '-';
}

export function expectationText(cell: CellStats): string {
  if (cell.expected === null) return '-';
  if (cell.agrees === null) return `${cell.expected} (open)`;
  return cell.agrees ? `${cell.expected} (ok)` : `${cell.expected} (CONTRADICTED)`;
}

/** Lost guests per iteration; for a guest in the weeds, how many were stopped (and livelocked). */
export function lostText(cell: CellStats): string {
  const livelocks = cell.livelocks > 0 ? `, livelock ${cell.livelocks}` : '';
  return `${cell.detection ? 'stopped ' : ''}${cell.losses}/${cell.iterations}${livelocks}`;
}

export function cellTitle(cell: CellStats): string {
  return `${cell.suite} on ${cell.build}`;
}

export { verdictText };

export function hostText(host: { kernel: string; cpu: string; cpus: number; memoryGiB: number }): string {
  return `${host.cpu} (${host.cpus} CPUs, ${host.memoryGiB} GiB), ${host.kernel}`;
}
