import { escapeMarkdownCell as escapeCell, markdownCode } from './escape.js';
import { hostText } from './format.js';
import { GRID_LEGEND, gridCellText, gridModel } from './grid-model.js';
import type { ReportModel } from './report-model.js';

/** The design-space table in Markdown: a row per combination, a column per suite, the latency beside it. */
export function renderGridMarkdown(model: ReportModel): string {
  const notes = model.notes ?? '';
  const grid = gridModel(model);
  const out = [`# ${escapeCell(model.title)}`, ''];
  out.push(`| combination | family | ${grid.suites.map(escapeCell).join(' | ')} | per-mutation latency p50 / p99 (QMP) or guest-measured |`);
  out.push(`|---|---|${grid.suites.map(() => '---|').join('')}---|`);
  for (const row of grid.rows) {
    out.push(`| ${[row.combination, row.family, ...grid.suites.map((suite) => gridCellText(row.cells.get(suite))), row.latency].map(escapeCell).join(' | ')} |`);
  }
  if (notes.trim()) out.push('', notes.trim());
  out.push(
    '',
    GRID_LEGEND,
    '',
    '## Runs',
    '',
  );
  for (const run of model.runs) {
    out.push(`- ${markdownCode(run.runId)} (${escapeCell(run.suite)}): ${escapeCell(run.startedAt)} to ${escapeCell(run.endedAt ?? '?')}, ${escapeCell(run.status)}; host ${escapeCell(hostText(run.host))}`);
  }
  out.push('', `Generated ${model.generatedAt}.`, '');
  return out.join('\n');
}
