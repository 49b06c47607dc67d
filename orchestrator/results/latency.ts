import type { LatencySummary } from './record.js';

export function summarizeLatency(samplesUs: number[]): LatencySummary | null {
  if (samplesUs.length === 0) return null;
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { count: sorted.length, meanUs: Math.round(mean), p50Us: at(0.5), p99Us: at(0.99), maxUs: sorted.at(-1)! };
}
