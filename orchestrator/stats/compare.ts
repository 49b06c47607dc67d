import { histogramQuantile, mergeHistograms } from '../results/latency-histogram.js';
import type { IterationRecord } from '../results/record.js';
import type { Interval } from './binomial.js';
import { type CellStats, allCellStats, cellBuild, cellKey, groupCells } from './cell-stats.js';

export interface CellChange {
  suite: string;
  build: string;
  before: CellStats | undefined;
  after: CellStats | undefined;
  verdictChanged: boolean;
  /** p50 mutation latency after / before, with a 95% bootstrap interval over iterations. */
  latencyRatio: Interval | undefined;
}

/** A small, fast, seedable PRNG (mulberry32), so compare output is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function p50(records: readonly IterationRecord[]): number | undefined {
  return histogramQuantile(mergeHistograms(records.map((record) => record.latencyHistogram)), 0.5);
}

/** Resamples each side's iterations with replacement and reads the ratio of their merged p50s. */
export function latencyRatio(before: readonly IterationRecord[], after: readonly IterationRecord[], resamples = 400, seed = 1): Interval | undefined {
  const a = before.filter((record) => record.latency !== null);
  const b = after.filter((record) => record.latency !== null);
  const base = p50(a);
  const next = p50(b);
  if (!base || !next) return undefined;
  const random = seededRandom(seed);
  const pick = (records: readonly IterationRecord[]) => records.map(() => records[Math.floor(random() * records.length)]!);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const x = p50(pick(a));
    const y = p50(pick(b));
    if (x && y) ratios.push(y / x);
  }
  ratios.sort((p, q) => p - q);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.max(0, Math.round(q * (ratios.length - 1))))]!;
  return { estimate: next / base, low: at(0.025), high: at(0.975) };
}

/** Per (suite, build) cell present in either run: verdict flips and latency ratios. */
export function compareRecords(before: readonly IterationRecord[], after: readonly IterationRecord[], safeBelowOf: (suite: string) => number): CellChange[] {
  const beforeCells = allCellStats(before, safeBelowOf);
  const afterCells = allCellStats(after, safeBelowOf);
  const keys = [...new Set([...groupCells(before), ...groupCells(after)].map((cell) => cellKey(cell[0]!)))];
  return keys.map((key) => {
    const [suite, build] = key.split('\u0000') as [string, string];
    const a = beforeCells.find((cell) => cell.suite === suite && cell.build === build);
    const b = afterCells.find((cell) => cell.suite === suite && cell.build === build);
    const of = (records: readonly IterationRecord[]) => records.filter((record) => record.suite.name === suite && cellBuild(record) === build);
    return {
      suite,
      build,
      before: a,
      after: b,
      verdictChanged: a !== undefined && b !== undefined && a.verdict.kind !== b.verdict.kind,
      latencyRatio: a && b ? latencyRatio(of(before), of(after)) : undefined,
    };
  });
}
