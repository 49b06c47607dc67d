import { escapeMarkdownCell as escapeCell, markdownCode } from './escape.js';
import { hostText } from './format.js';
import { GRID_LEGEND, gridCellText, gridModel } from './grid-model.js';
import type { ReportModel } from './report-model.js';

/** The design-space table in Markdown: a row per combination, a column per suite, the latency beside it. */
export function renderGridMarkdown(model: ReportModel): string {
  const notes = model.notes ?? '';
  const grid = gridModel(model);
  const out = [`# ${escapeCell(model.title)}`, ''];
  for (const block of grid.blocks) {
    if (block.title) out.push(`## ${escapeCell(block.title)}`, '');
    out.push(`| combination | family | ${block.suites.map(escapeCell).join(' | ')} | per-mutation latency p50 / p99 (QMP) or guest-measured |`);
    out.push(`|---|---|${block.suites.map(() => '---|').join('')}---|`);
    for (const row of block.rows) {
      out.push(`| ${[row.combination, row.family, ...block.suites.map((suite) => gridCellText(row.cells.get(suite))), row.latency].map(escapeCell).join(' | ')} |`);
    }
    out.push('');
  }
  out.pop();
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
