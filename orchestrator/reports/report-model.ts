import type { IterationRecord } from '../results/record.js';
import type { RunManifest } from '../results/run-manifest.js';
import { type CellStats, allCellStats, cellBuild } from '../stats/cell-stats.js';

/** What every report format renders: the cells' statistics plus where they came from. */
export interface ReportModel {
  title: string;
  generatedAt: string;
  runs: { runId: string; suite: string; startedAt: string; endedAt: string | null; status: string; host: IterationRecord['host'] }[];
  cells: CellStats[];
  records: IterationRecord[];
  /** The suite whose cells are the vCPU progress baseline (the same build's rate without mutations). */
  baselineSuite: string;
  /** What the table shows, in words, printed under it (published tables); blank lines separate paragraphs. */
  notes?: string;
}

export interface ReportInput {
  manifests: (RunManifest | undefined)[];
  records: IterationRecord[];
  title?: string;
  /** Fixed for reproducible output (snapshots, published tables). */
  generatedAt?: string;
  /** The suite progress rates are compared against (default BASELINE_SUITE). */
  baselineSuite?: string;
  notes?: string;
  /** Thresholds (`safeBelow`) of suites whose runs come without a manifest. */
  safeBelow?: Record<string, number>;
}

/** The catalogue's control: the same machine and guest with nothing changing the memory map. */
export const BASELINE_SUITE = 'control-idle';

const DEFAULT_SAFE_BELOW = 0.001;

/** The records behind one (suite, build) cell. */
export function cellRecords(model: ReportModel, cell: CellStats): IterationRecord[] {
  return model.records.filter((record) => record.suite.name === cell.suite && cellBuild(record) === cell.build);
}

export function buildReport(input: ReportInput): ReportModel {
  const safeBelow = new Map<string, number>(Object.entries(input.safeBelow ?? {}));
  for (const manifest of input.manifests) if (manifest) safeBelow.set(manifest.suite.name, manifest.safeBelow);
  const runIds = [...new Set(input.records.map((record) => record.runId))];
  const runs = runIds.map((runId) => {
    const manifest = input.manifests.find((candidate) => candidate?.runId === runId);
    const records = input.records.filter((record) => record.runId === runId);
    return {
      runId,
      suite: manifest?.suite.name ?? records[0]!.suite.name,
      startedAt: manifest?.startedAt ?? records[0]!.startedAt,
      endedAt: manifest?.endedAt ?? null,
      status: manifest?.status ?? 'unknown (no manifest)',
      host: manifest?.host ?? records[0]!.host,
    };
  });
  return {
    title: input.title ?? `slotlab: ${[...new Set(input.records.map((record) => record.suite.name))].join(', ')}`,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    runs,
    cells: allCellStats(input.records, (suite) => safeBelow.get(suite) ?? DEFAULT_SAFE_BELOW, input.baselineSuite ?? BASELINE_SUITE),
    records: input.records,
    baselineSuite: input.baselineSuite ?? BASELINE_SUITE,
    ...(input.notes === undefined ? {} : { notes: input.notes }),
  };
}
