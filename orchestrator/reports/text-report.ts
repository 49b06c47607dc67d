import type { CellStats } from '../stats/cell-stats.js';
import { type ReportModel, cellRecords } from './report-model.js';
import { oneLine } from './escape.js';
import { livelockLine } from './run-table.js';
import { cellTitle, hostText, expectationText, formatInterval, formatMs, formatQuantile, formatUs, lostText, verdictText } from './format.js';

/** A summary table padded to fixed width, first column left-aligned, the rest right-aligned. */
export function fixedWidthTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
}

function shortExpectation(cell: CellStats): string {
  if (cell.expected === null) return '-';
  return `${cell.expected} ${cell.agrees === null ? '?' : cell.agrees ? 'ok' : 'NO'}`;
}

/**
 * Plain text that survives being pasted into an email reply: a narrow table,
 * then one indented block per cell with the numbers behind the verdict.
 */
export function renderText(model: ReportModel): string {
  const title = oneLine(model.title);
  const out = [title, '='.repeat(Math.min(72, title.length)), ''];
  out.push(
    ...fixedWidthTable(
      ['suite / build', 'lost', 'verdict', 'expected'],
      model.cells.map((cell) => [oneLine(`${cell.suite} / ${cell.build}`), lostText(cell), verdictText(cell.verdict).replace(/ per \w+ at 95%/, ''), shortExpectation(cell)]),
    ),
    '',
    'expected: ok = the verdict agrees with the suite, NO = it contradicts it, ? = not decided yet',
  );
  for (const cell of model.cells) {
    out.push('', oneLine(`${cellTitle(cell)} (${cell.family})`), `  ${oneLine(cell.provenance.version)}`);
    if (cell.detection) {
      out.push(`  iterations ${cell.iterations}, stopped ${cell.losses}, livelocked ${cell.livelocks}, neither ${cell.iterations - cell.losses - cell.livelocks}, errors ${cell.errors}`);
    } else {
      out.push(`  iterations ${cell.iterations}, lost ${cell.losses}, survived ${cell.survived}${cell.progressUnknown ? ` (progress unknown in ${cell.progressUnknown})` : ''}, stalled ${cell.stalled}${cell.livelocks ? `, livelocked ${cell.livelocks}` : ''}, errors ${cell.errors}`);
    }
    const livelocked = cellRecords(model, cell).find((record) => record.livelock);
    if (livelocked?.livelock) out.push(`  livelock             ${oneLine(livelockLine(livelocked.livelock))}`);
    const errors = [...new Set(cellRecords(model, cell).flatMap((record) => (record.error ? [oneLine(`${record.error.code}: ${record.error.message.split('\n')[0]}`)] : [])))];
    for (const error of errors) out.push(`  error                ${error}`);
    out.push(`  ${cell.detection ? 'stopped per iteration' : 'loss per iteration  '} ${formatInterval(cell.lossPerIteration)} (95% CP)`);
    if (!cell.detection) {
      if (cell.mutationsApplied > 0) out.push(`  loss per mutation    ${formatInterval(cell.lossPerMutation)} over ${cell.mutationsApplied} mutations`);
      out.push(
        `  mutations to failure median ${formatQuantile(cell.mutationsToFailure.median, cell.mutationsToFailure.censored)}, p90 ${formatQuantile(cell.mutationsToFailure.p90, cell.mutationsToFailure.censored)}`,
      );
    }
    out.push(
      `  ${cell.detection ? 'time to detection' : 'time to failure  '}    median ${formatQuantile(cell.timeToFailureMs.median, cell.timeToFailureMs.censored, formatMs, cell.timeToFailureMs.notMeasured)}, p90 ${formatQuantile(cell.timeToFailureMs.p90, cell.timeToFailureMs.censored, formatMs, cell.timeToFailureMs.notMeasured)}`,
    );
    if (cell.latency.count > 0) out.push(`  mutation latency     p50 ${formatUs(cell.latency.p50Us)}, p99 ${formatUs(cell.latency.p99Us)} (${cell.latency.count} mutations)`);
    if (cell.guestCost) out.push(`  guest-measured cost  mean ${formatUs(cell.guestCost.meanUs)}, max ${formatUs(cell.guestCost.maxUs)} per mutation`);
    if (cell.progressPerSecond !== undefined) {
      out.push(`  vCPU progress        ${Math.round(cell.progressPerSecond).toLocaleString('en-US')} loops/s${cell.progressVsIdle !== undefined ? ` (${(cell.progressVsIdle * 100).toFixed(0)}% of ${model.baselineSuite})` : ''}`);
    }
    out.push(`  verdict              ${verdictText(cell.verdict)}`);
    if (cell.verdict.kind === 'inconclusive') out.push(`                       ${cell.verdict.reason}`);
    out.push(`  expected             ${expectationText(cell)}`);
  }
  out.push('', ...model.runs.map((run) => oneLine(`run ${run.runId}: ${run.startedAt} .. ${run.endedAt ?? '?'} (${run.status}) on ${hostText(run.host)}`)));
  return out.join('\n') + '\n';
}
