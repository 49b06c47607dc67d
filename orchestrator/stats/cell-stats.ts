import { cellFamily } from '../results/cell-family.js';
import type { BuildProvenance, CellFamily } from '../results/provenance.js';
import { histogramCount, histogramQuantile, mergeHistograms } from '../results/latency-histogram.js';
import type { Expectation, IterationRecord } from '../results/record.js';
import { type Interval, clopperPearson, trialsForUpperBound, zeroEventUpperBound } from './binomial.js';
import { type SurvivalStep, kaplanMeier, survivalQuantile } from './survival.js';

export const CONFIDENCE = 0.95;
const ALPHA = 1 - CONFIDENCE;

export type Verdict =
  | { kind: 'race'; losses: number }
  /** The loss probability per `unit` is below `bound` with 95% confidence. */
  | { kind: 'safe'; bound: number; unit: ExposureUnit }
  | { kind: 'inconclusive'; bound: number; unit: ExposureUnit; furtherIterations: number; reason: string }
  /** A guest sent into the weeds: every iteration's guest was stopped; the probability that one is not is below `bound` at 95%. */
  | { kind: 'stopped'; stopped: number; bound: number }
  /** A guest sent into the weeds: QEMU kept re-entering its vCPU without progress in `livelocks` iterations. */
  | { kind: 'livelock'; livelocks: number }
  /** No loss, but a vCPU stopped advancing for good in `stalled` iterations: the guest did not keep running, so the cell is not safe. */
  | { kind: 'stalled'; stalled: number };

/** What a loss probability is counted per: mutations, or whole iterations for suites that mutate nothing. */
export type ExposureUnit = 'mutation' | 'iteration';

export interface DistributionSummary {
  median: number | undefined;
  p90: number | undefined;
  /** Iterations that ended without a loss: right-censored observations. */
  censored: number;
  /** Losses whose time was not measured (none, or a negative one in older records): then no quantile is given. */
  notMeasured: number;
}

/** Everything the reports show about one (suite, build) cell. */
export interface CellStats {
  suite: string;
  build: string;
  /** The fix the cell carries (its records' family). */
  family: CellFamily;
  /** A kernel under test whose KVM ran on shadow paging (host.kvm.TDP 0). */
  shadowPaging: boolean;
  provenance: BuildProvenance;
  expected: Expectation | null;
  safeBelow: number;
  /** Iterations that ran (errors excluded). */
  iterations: number;
  losses: number;
  survived: number;
  stalled: number;
  /** Iterations in which QEMU kept re-entering a vCPU that made no progress. */
  livelocks: number;
  /** Whether the cell asks if a guest in the weeds is stopped (its suite expects stopped or livelock) rather than if the race loses it. */
  detection: boolean;
  /** Survived, but with a vCPU seen still over a span too short to call it stalled (or no mailbox to read). */
  progressUnknown: number;
  errors: number;
  mutationsApplied: number;
  lossPerIteration: Interval;
  lossPerMutation: Interval;
  mutationsToFailure: DistributionSummary;
  timeToFailureMs: DistributionSummary;
  survivalByMutations: SurvivalStep[];
  latency: { count: number; p50Us: number | undefined; p99Us: number | undefined };
  /** In-guest mutators: the guest-measured cost per mutation, mean weighted by mutations, and the worst. */
  guestCost: { meanUs: number; maxUs: number } | undefined;
  /** Median vCPU loop iterations per second while mutating, over the iterations whose guest kept running. */
  progressPerSecond: number | undefined;
  /** progressPerSecond relative to the same build's cell of the baseline suite (the report's, e.g. `control-idle`), when the input has one. */
  progressVsIdle: number | undefined;
  verdict: Verdict;
  /** Whether the verdict matches the suite's expectation; null when there is none or the verdict is inconclusive. */
  agrees: boolean | null;
}

export interface CellOptions {
  /** Per-mutation loss probability a `safe` verdict must bound (the suite's `safeBelow`). */
  safeBelow: number;
}

/**
 * A cell's build column: the build, and the kernel under test when the run booted one
 * (`7.2-stock @ 6.1-atomic-ioctl`), marked when that kernel's KVM ran on shadow paging.
 */
export function cellBuild(record: Pick<IterationRecord, 'build' | 'host'>): string {
  const kernel = record.host.kernelUnderTest;
  if (!kernel) return record.build.name;
  return `${record.build.name} @ ${kernel.name}${record.host.kvm?.TDP === 0 ? ' (shadow paging)' : ''}`;
}

export function cellKey(record: Pick<IterationRecord, 'suite' | 'build' | 'host'>): string {
  return `${record.suite.name}\u0000${cellBuild(record)}`;
}

/** Groups records into cells in the order cells first appear. */
export function groupCells(records: readonly IterationRecord[]): IterationRecord[][] {
  const cells = new Map<string, IterationRecord[]>();
  for (const record of records) {
    const key = cellKey(record);
    cells.set(key, [...(cells.get(key) ?? []), record]);
  }
  return [...cells.values()];
}

export function cellStats(records: readonly IterationRecord[], options: CellOptions): CellStats {
  const first = records[0]!;
  const ran = records.filter((record) => record.outcome !== 'error');
  const losses = ran.filter((record) => record.outcome === 'guest-lost').length;
  const mutationsApplied = ran.reduce((sum, record) => sum + record.mutationsApplied, 0);
  const byMutations = kaplanMeier(ran.map((record) => ({ at: record.mutationsApplied, lost: record.outcome === 'guest-lost' })));
  const timeUnknown = ran.filter((record) => record.outcome === 'guest-lost' && (record.timeToFailureMs === null || record.timeToFailureMs < 0)).length;
  const byTime = kaplanMeier(ran.map((record) => ({ at: record.timeToFailureMs ?? record.mutationPhaseMs, lost: record.outcome === 'guest-lost' })));
  const merged = mergeHistograms(ran.map((record) => record.latencyHistogram));
  const rates = ran.map((record) => record.progressPerSecond).filter((rate): rate is number => rate !== null);
  const livelocks = ran.filter((record) => record.outcome === 'livelock').length;
  const detection = records.some((record) => record.expected === 'stopped' || record.expected === 'livelock');
  const stalled = ran.filter((record) => record.outcome === 'stalled').length;
  // In a race suite a livelocked guest is lost too, for ever running: conclusive unless a loss already is; a stalled vCPU is no survival either.
  const verdict: Verdict = detection
    ? decideDetection(losses, livelocks, ran.length, options.safeBelow)
    : losses === 0 && livelocks > 0
      ? { kind: 'livelock', livelocks }
      : losses === 0 && stalled > 0
        ? { kind: 'stalled', stalled }
        : decide(losses, mutationsApplied, ran, options.safeBelow);
  return {
    suite: first.suite.name,
    build: cellBuild(first),
    shadowPaging: first.host.kvm?.TDP === 0,
    family: first.family ?? cellFamily(first.build.family, first.host.kvm, first.build.version),
    provenance: first.build,
    expected: first.expected,
    safeBelow: options.safeBelow,
    iterations: ran.length,
    losses,
    survived: ran.filter((record) => record.outcome === 'survived').length,
    stalled,
    livelocks,
    detection,
    progressUnknown: ran.filter((record) => record.outcome === 'survived' && record.progressKnown === false).length,
    errors: records.length - ran.length,
    mutationsApplied,
    lossPerIteration: clopperPearson(losses, ran.length, ALPHA),
    lossPerMutation: clopperPearson(losses, Math.max(mutationsApplied, losses), ALPHA),
    mutationsToFailure: summarize(byMutations, ran.length - losses),
    timeToFailureMs: timeUnknown > 0 ? { median: undefined, p90: undefined, censored: ran.length - losses, notMeasured: timeUnknown } : summarize(byTime, ran.length - losses),
    survivalByMutations: byMutations,
    latency: { count: histogramCount(merged), p50Us: histogramQuantile(merged, 0.5), p99Us: histogramQuantile(merged, 0.99) },
    guestCost: guestCostOf(ran),
    progressPerSecond: median(rates),
    progressVsIdle: undefined,
    verdict,
    agrees: first.expected === null || verdict.kind === 'inconclusive' ? null : verdict.kind === first.expected,
  };
}

/**
 * A loss is conclusive: the race exists. Without one, `safe` needs the upper end
 * of the 95% Clopper-Pearson interval of the loss probability per mutation (per
 * iteration for a suite that mutates nothing; for zero losses 1 - 0.025^(1/n))
 * below `safeBelow`; otherwise the cell is inconclusive and says how many more
 * iterations would do.
 */
function decide(losses: number, mutations: number, ran: readonly IterationRecord[], safeBelow: number): Verdict {
  if (losses > 0) return { kind: 'race', losses };
  const unit: ExposureUnit = mutations > 0 ? 'mutation' : 'iteration';
  const trials = unit === 'mutation' ? mutations : ran.length;
  const bound = zeroEventUpperBound(trials, ALPHA / 2);
  if (ran.length > 0 && bound < safeBelow) return { kind: 'safe', bound, unit };
  const perIteration = unit === 'mutation' ? mutations / ran.length : 1;
  const needed = trialsForUpperBound(safeBelow, ALPHA / 2) - trials;
  return {
    kind: 'inconclusive',
    bound,
    unit,
    furtherIterations: Math.max(1, Math.ceil(needed / Math.max(1, perIteration))),
    reason: ran.length === 0 ? 'no iteration ran' : `${trials} ${unit}s without a loss bound the loss probability only below ${formatProbability(bound)}`,
  };
}

/**
 * A guest in the weeds should be stopped. One livelock is conclusive; `stopped`
 * needs every iteration stopped and the 95% upper bound on the probability that
 * one is not below `safeBelow` (per iteration).
 */
function decideDetection(stopped: number, livelocks: number, iterations: number, safeBelow: number): Verdict {
  if (livelocks > 0) return { kind: 'livelock', livelocks };
  const bound = zeroEventUpperBound(iterations, ALPHA / 2);
  if (iterations > 0 && stopped === iterations && bound < safeBelow) return { kind: 'stopped', stopped, bound };
  const open = iterations - stopped;
  return {
    kind: 'inconclusive',
    bound,
    unit: 'iteration',
    furtherIterations: Math.max(1, trialsForUpperBound(safeBelow, ALPHA / 2) - stopped),
    reason:
      iterations === 0
        ? 'no iteration ran'
        : open > 0
          ? `${open} of ${iterations} guests were neither stopped nor seen re-entered without progress (did the vCPU reach the weeds?)`
          : `${iterations} stopped guests bound the probability of one not stopped only below ${formatProbability(bound)}`,
  };
}

function guestCostOf(records: readonly IterationRecord[]): CellStats['guestCost'] {
  const measured = records.filter((record) => record.guestCost !== null && record.mutationsApplied > 0);
  const weight = measured.reduce((sum, record) => sum + record.mutationsApplied, 0);
  if (weight === 0) return undefined;
  return {
    meanUs: Math.round(measured.reduce((sum, record) => sum + record.guestCost!.meanUs * record.mutationsApplied, 0) / weight),
    maxUs: Math.max(...measured.map((record) => record.guestCost!.maxUs)),
  };
}

function summarize(steps: SurvivalStep[], censored: number): DistributionSummary {
  return { median: survivalQuantile(steps, 0.5), p90: survivalQuantile(steps, 0.9), censored, notMeasured: 0 };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Every cell of a record set, with the throughput cost relative to the baseline suite's cell of the same build filled in where possible. */
export function allCellStats(records: readonly IterationRecord[], safeBelowOf: (suite: string) => number, baselineSuite?: string): CellStats[] {
  const cells = groupCells(records).map((cell) => cellStats(cell, { safeBelow: safeBelowOf(cell[0]!.suite.name) }));
  if (baselineSuite === undefined) return cells;
  for (const cell of cells.filter((candidate) => candidate.suite !== baselineSuite)) {
    const idle = cells.find((other) => other.suite === baselineSuite && other.build === cell.build);
    if (idle?.progressPerSecond && cell.progressPerSecond !== undefined) cell.progressVsIdle = cell.progressPerSecond / idle.progressPerSecond;
  }
  return cells;
}

export function formatProbability(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.01) return p.toFixed(p >= 0.1 ? 2 : 3);
  return p.toExponential(1);
}

export function verdictText(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'race':
      return 'race';
    case 'safe':
      return `safe (p < ${formatProbability(verdict.bound)} per ${verdict.unit} at 95%)`;
    case 'inconclusive':
      return `inconclusive (${verdict.furtherIterations} more iterations)`;
    case 'stopped':
      return `stopped (p(not) < ${formatProbability(verdict.bound)} per iteration at 95%)`;
    case 'livelock':
      return 'livelock';
    case 'stalled':
      return `stalled (a vCPU stopped for good in ${verdict.stalled} iteration${verdict.stalled === 1 ? '' : 's'})`;
  }
}
