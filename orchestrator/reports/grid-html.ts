import { escapeHtml as h } from './escape.js';
import { hostText } from './format.js';
import { GRID_LEGEND, gridCellText, gridModel } from './grid-model.js';
import { STYLE } from './html-report.js';
import type { ReportModel } from './report-model.js';

/** The design-space table as a self-contained HTML page; `notes` is plain text, one paragraph per blank-line-separated block. */
export function renderGridHtml(model: ReportModel): string {
  const notes = model.notes ?? '';
  const grid = gridModel(model);
  const header = ['combination', 'family', ...grid.suites, 'per-mutation latency p50 / p99 (QMP) or guest-measured'].map((title) => `<th>${h(title)}</th>`).join('');
  const rows = grid.rows.map((row) => {
    const cells = grid.suites.map((suite) => {
      const cell = row.cells.get(suite);
      const kind = cell?.verdict.kind ?? 'inconclusive';
      return `<td${cell?.agrees === false ? ' class="contradicted"' : ''}><span class="${kind}">${h(gridCellText(cell))}</span></td>`;
    });
    return `<tr><td>${h(row.combination)}</td><td>${h(row.family)}</td>${cells.join('')}<td>${h(row.latency)}</td></tr>`;
  });
  const paragraphs = notes
    .trim()
    .split(/\n\s*\n/)
    .filter((block) => block.trim())
    .map((block) => `<p>${h(block.replace(/\s+/g, ' ').trim())}</p>`);
  const runs = model.runs.map((run) => `<li><code>${h(run.runId)}</code> (${h(run.suite)}): ${h(run.startedAt)} to ${h(run.endedAt ?? '?')}, ${h(run.status)}; host ${h(hostText(run.host))}</li>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${h(model.title)}</title><style>${STYLE}</style></head>
<body data-rows="${grid.rows.length}" data-columns="${grid.suites.length}">
<h1>${h(model.title)}</h1>
<table id="grid"><thead><tr>${header}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${paragraphs.join('\n')}
<p>${h(GRID_LEGEND.replace(/`/g, ''))}</p>
<h2>Runs</h2>
<ul>
${runs.join('\n')}
</ul>
<p>Generated ${h(model.generatedAt)}.</p>
</body></html>
`;
}
