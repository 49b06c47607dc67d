import { escapeMarkdownCell as escapeCell, markdownCode } from './escape.js';
import { hostText } from './format.js';
import { gridCellText, gridModel } from './grid-model.js';
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
    'Each cell: the verdict, then lost (or, for `weeds`, stopped) guests per iteration with the Clopper-Pearson 95% interval; `safe` gives the upper end of the per-mutation (or per-iteration) loss probability at 95%. For `weeds` a stopped guest is the right answer and the time to detection runs from the NMI to the stop.',
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
