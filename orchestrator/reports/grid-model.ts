import { CELL_FAMILIES } from '../results/provenance.js';
import { type CellStats, formatProbability } from '../stats/cell-stats.js';
import { formatInterval, formatMs, formatUs, latencyText } from './format.js';
import type { ReportModel } from './report-model.js';

/** How to read a grid cell (Markdown; the HTML page drops the backticks). */
export const GRID_LEGEND =
  'Each cell: the verdict, then lost (or, for `weeds`, stopped) guests per iteration with the Clopper-Pearson 95% interval; `safe` gives the upper end of the per-mutation (or per-iteration) loss probability at 95%. For `weeds` a stopped guest is the right answer and the time to detection runs from the NMI to the stop.';

/** One row of a grid: a combination (`<build> @ <kernel>`) and its cells by suite. */
export interface GridRow {
  combination: string;
  family: CellStats['family'];
  cells: Map<string, CellStats>;
  /** Per-mutation cost where the row ran a QMP-driven or in-guest mutator: the QMP reply latency or the guest-measured write. */
  latency: string;
}

/** Rows = combinations, columns = suites: the design-space view of the same cells. */
export interface GridBlock {
  /** Empty when the grid has one block; else how the kernels under test paged. */
  title: string;
  suites: string[];
  rows: GridRow[];
}

export interface GridModel {
  blocks: GridBlock[];
}

const BLOCK_TITLES = {
  tdp: 'KVM on two-dimensional paging',
  shadow: 'KVM on shadow paging (L1 booted with kvm_amd.npt=0 kvm_intel.ept=0)',
} as const;

/**
 * One block per paging mode of the kernels under test (two-dimensional first);
 * in each, columns in the order the suites first appear, rows by cell family
 * (stock first), then as they appear.
 */
export function gridModel(model: ReportModel): GridModel {
  const modes = (['tdp', 'shadow'] as const).filter((mode) => model.cells.some((cell) => cell.shadowPaging === (mode === 'shadow')));
  const blocks = modes.map((mode) => {
    const cells = model.cells.filter((cell) => cell.shadowPaging === (mode === 'shadow'));
    const rows = new Map<string, GridRow>();
    for (const cell of cells) {
      const row = rows.get(cell.build) ?? { combination: cell.build, family: cell.family, cells: new Map(), latency: '' };
      row.cells.set(cell.suite, cell);
      rows.set(cell.build, row);
    }
    const ordered = [...rows.values()].sort((a, b) => CELL_FAMILIES.indexOf(a.family) - CELL_FAMILIES.indexOf(b.family));
    for (const row of ordered) row.latency = rowLatency(row);
    return { title: modes.length > 1 ? BLOCK_TITLES[mode] : '', suites: [...new Set(cells.map((cell) => cell.suite))], rows: ordered };
  });
  return { blocks };
}

/** What one cell says in a grid: verdict (and whether it agrees), the count with its 95% interval, and the time to detection where that is the question. */
export function gridCellText(cell: CellStats | undefined): string {
  if (!cell) return 'not run';
  const agreement = cell.agrees === null ? '' : cell.agrees ? '' : ' (CONTRADICTED)';
  const verdict = cell.verdict.kind === 'inconclusive' ? `inconclusive (${cell.verdict.furtherIterations} more)` : cell.verdict.kind;
  if (cell.detection) {
    const detected = cell.timeToFailureMs.median === undefined ? '' : `, detected in ${formatMs(cell.timeToFailureMs.median)} (median)`;
    const livelock = cell.livelocks > 0 ? `, livelock ${cell.livelocks}/${cell.iterations}` : '';
    return `${verdict}${agreement}: stopped ${cell.losses}/${cell.iterations} ${formatInterval(cell.lossPerIteration)}${livelock}${detected}`;
  }
  if (cell.verdict.kind === 'safe') return `${verdict}${agreement}: lost 0/${cell.iterations}, p < ${formatProbability(cell.verdict.bound)} per ${cell.verdict.unit}`;
  const livelock = cell.livelocks > 0 ? `, livelock ${cell.livelocks}/${cell.iterations}` : '';
  const stalled = cell.stalled > 0 ? `, stalled ${cell.stalled}/${cell.iterations}` : '';
  return `${verdict}${agreement}: lost ${cell.losses}/${cell.iterations} ${formatInterval(cell.lossPerIteration)}${livelock}${stalled}`;
}

function rowLatency(row: GridRow): string {
  const parts: string[] = [];
  for (const [suite, cell] of row.cells) {
    if (cell.latency.count > 0 && !cell.detection) parts.push(`${suite} ${latencyText(cell)}`);
    else if (cell.guestCost) parts.push(`${suite} guest ${formatUs(cell.guestCost.meanUs)}`);
  }
  return parts.join('; ') || '-';
}
