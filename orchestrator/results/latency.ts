import type { LatencySummary } from './record.js';

export function summarizeLatency(samplesUs: number[]): LatencySummary | null {
  if (samplesUs.length === 0) return null;
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number) => quantileOfSorted(sorted, q);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { count: sorted.length, meanUs: Math.round(mean), p50Us: at(0.5), p99Us: at(0.99), maxUs: sorted.at(-1)! };
}

/** The q-quantile (nearest rank) of values sorted ascending; not empty. */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
