import { escapeHtml as h } from './escape.js';
import { hostText } from './format.js';
import { GRID_LEGEND, gridCellText, gridModel } from './grid-model.js';
import { STYLE } from './html-report.js';
import type { ReportModel } from './report-model.js';

/** The design-space table as a self-contained HTML page; `notes` is plain text, one paragraph per blank-line-separated block. */
export function renderGridHtml(model: ReportModel): string {
  const notes = model.notes ?? '';
  const grid = gridModel(model);
  const tables = grid.blocks.map((block, index) => {
    const header = ['combination', 'family', ...block.suites, 'per-mutation latency p50 / p99 (QMP) or guest-measured'].map((title) => `<th>${h(title)}</th>`).join('');
    const rows = block.rows.map((row) => {
      const cells = block.suites.map((suite) => {
        const cell = row.cells.get(suite);
        const kind = cell?.verdict.kind ?? 'inconclusive';
        return `<td${cell?.agrees === false ? ' class="contradicted"' : ''}><span class="${kind}">${h(gridCellText(cell))}</span></td>`;
      });
      return `<tr><td>${h(row.combination)}</td><td>${h(row.family)}</td>${cells.join('')}<td>${h(row.latency)}</td></tr>`;
    });
    const title = block.title ? `<h2>${h(block.title)}</h2>\n` : '';
    return `${title}<table id="grid${index ? `-${index + 1}` : ''}" class="grid" data-rows="${block.rows.length}" data-columns="${block.suites.length}"><thead><tr>${header}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
  });
  const paragraphs = notes
    .trim()
    .split(/\n\s*\n/)
    .filter((block) => block.trim())
    .map((block) => `<p>${h(block.replace(/\s+/g, ' ').trim())}</p>`);
  const runs = model.runs.map((run) => `<li><code>${h(run.runId)}</code> (${h(run.suite)}): ${h(run.startedAt)} to ${h(run.endedAt ?? '?')}, ${h(run.status)}; host ${h(hostText(run.host))}</li>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${h(model.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${h(model.title)}</h1>
${tables.join('\n')}
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
