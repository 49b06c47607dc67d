import { bucketValue, histogramCount, mergeHistograms } from '../results/latency-histogram.js';
import type { CellStats } from '../stats/cell-stats.js';
import { escapeHtml as h } from './escape.js';
import { cellTitle, hostText, perMutationText, latencyText, expectationText, formatInterval, formatMs, formatQuantile, lostText, verdictText } from './format.js';
import { livelockLine } from './run-table.js';
import { type ReportModel, cellRecords } from './report-model.js';
import { barChart, lineChart } from './svg-charts.js';

export const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}
.race{color:#b03a2e;font-weight:600}.safe{color:#1e8449;font-weight:600}.inconclusive{color:#9a7d0a;font-weight:600}.stopped{color:#1e8449;font-weight:600}.livelock{color:#b03a2e;font-weight:600}.stalled{color:#b03a2e;font-weight:600}
.contradicted{background:#fdecea}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart .title{font-size:13px;font-weight:600}.chart .tick,.chart .legend{font-size:11px}.chart .label{font-size:12px}
.chart .axis{stroke:#555}
details{margin:4px 0}summary{cursor:pointer}code{font-size:12px}
`;

/** A single self-contained HTML file: summary table, SVG charts, every provenance detail in <details>. */
export function renderHtml(model: ReportModel): string {
  const suites = [...new Set(model.cells.map((cell) => cell.suite))];
  const charts: string[] = [];
  for (const suite of suites) {
    const cells = model.cells.filter((cell) => cell.suite === suite);
    charts.push(
      lineChart(
        cells.map((cell) => ({ name: cell.build, points: survivalPoints(model, cell) })),
        { title: `${suite}: guests alive vs mutations`, xLabel: 'mutations (log scale)', yLabel: 'fraction alive', logX: true, yMax: 1, steps: true },
      ),
    );
    charts.push(
      lineChart(
        cells.map((cell) => ({ name: cell.build, points: latencyPoints(model, cell) })),
        { title: `${suite}: mutation latency distribution`, xLabel: 'latency, microseconds (log scale)', yLabel: 'fraction of mutations', logX: true },
      ),
    );
  }
  const rated = model.cells.filter((cell) => cell.progressPerSecond !== undefined);
  const builds = [...new Set(model.cells.map((cell) => cell.build))];
  if (rated.length > 0) {
    charts.push(
      barChart(
        rated.map((cell) => ({
          colour: builds.indexOf(cell.build),
          name: `${cell.suite} / ${cell.build}`,
          value: cell.progressPerSecond!,
          label: `${Math.round(cell.progressPerSecond!).toLocaleString('en-US')}/s${cell.progressVsIdle !== undefined ? ` (${(cell.progressVsIdle * 100).toFixed(0)}% of idle)` : ''}`,
        })),
        'vCPU progress while mutating (loop iterations per second, all vCPUs)',
      ),
    );
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${h(model.title)}</title><style>${STYLE}</style></head>
<body data-cells="${model.cells.length}">
<h1>${h(model.title)}</h1>
<p>Generated ${h(model.generatedAt)} from ${model.records.length} iteration records in ${model.runs.length} run(s).</p>
<table id="summary"><thead><tr><th>suite</th><th>build</th><th>lost</th><th>loss / iteration (95% CI)</th><th>loss / mutation (95% CI)</th><th>mutations to failure (median, p90)</th><th>time to failure (median)</th><th>latency p50 / p99 (QMP) or guest-measured</th><th>verdict</th><th>expected</th></tr></thead><tbody>
${model.cells.map(summaryRow).join('\n')}
</tbody></table>
<h2>Charts</h2>
<div class="charts">
${charts.join('\n')}
</div>
<h2>Provenance</h2>
${model.cells.map((cell) => provenance(cell, model)).join('\n')}
<h2>Runs</h2>
<table><thead><tr><th>run</th><th>suite</th><th>started</th><th>ended</th><th>status</th><th>host</th></tr></thead><tbody>
${model.runs.map((run) => `<tr><td><code>${h(run.runId)}</code></td><td>${h(run.suite)}</td><td>${h(run.startedAt)}</td><td>${h(run.endedAt ?? '?')}</td><td>${h(run.status)}</td><td>${h(hostText(run.host))}</td></tr>`).join('\n')}
</tbody></table>
<script>document.body.dataset.chartsRendered = String(document.querySelectorAll('svg.chart path.series, svg.chart rect.bar').length);</script>
</body></html>
`;
}

function summaryRow(cell: CellStats): string {
  const cells = [
    h(cell.suite),
    h(cell.build),
    `<span class="num">${h(lostText(cell))}</span>`,
    h(formatInterval(cell.lossPerIteration)),
    h(perMutationText(cell)),
    h(`${formatQuantile(cell.mutationsToFailure.median, cell.mutationsToFailure.censored)}, ${formatQuantile(cell.mutationsToFailure.p90, cell.mutationsToFailure.censored)}`),
    h(formatQuantile(cell.timeToFailureMs.median, cell.timeToFailureMs.censored, formatMs, cell.timeToFailureMs.notMeasured)),
    h(latencyText(cell)),
    `<span class="${cell.verdict.kind}">${h(verdictText(cell.verdict))}</span>`,
    h(expectationText(cell)),
  ];
  return `<tr${cell.agrees === false ? ' class="contradicted"' : ''}>${cells.map((content) => `<td>${content}</td>`).join('')}</tr>`;
}

function provenance(cell: CellStats, model: ReportModel): string {
  const p = cell.provenance;
  const iterations = cellRecords(model, cell).map(
      (record) =>
        `<tr><td>${h(record.runId)}</td><td class="num">${record.iteration}</td><td>${h(record.outcome)}</td><td>${h(record.stopReason)}</td><td class="num">${record.mutationsApplied}</td>` +
        `<td>${record.livelock?.vcpu ?? record.failure?.vcpu ?? '-'}</td><td>${record.livelock ? h(record.livelock.instructionPointerHex) : record.failure?.instructionPointer === undefined ? '-' : (record.failure.instructionPointerHex ?? `0x${record.failure.instructionPointer.toString(16)}`)}</td>` +
        `<td><details><summary>stderr</summary><pre>${h(record.stderrExcerpt)}</pre>${record.error ? `<pre>${h(record.error.message)}</pre>` : ''}` +
        `${record.livelock ? `<p>livelock</p><pre>${h(livelockLine(record.livelock))}</pre>` : ''}` +
        `${record.serialExcerpt ? `<p>guest console</p><pre>${h(record.serialExcerpt)}</pre>` : ''}${record.failure?.guestReport ? `<p>guest report</p><pre>${h(record.failure.guestReport)}</pre>` : ''}</details></td></tr>`,
    );
  return `<details><summary>${h(cellTitle(cell))}: ${h(p.version)}</summary><table>
<tr><th>family</th><td>${h(p.family)}</td></tr>
<tr><th>kind</th><td>${h(p.kind)}</td></tr>
<tr><th>source</th><td>${h(p.source)}</td></tr>
<tr><th>binary</th><td><code>${h(p.binary)}</code></td></tr>
<tr><th>sha256</th><td><code>${h(p.sha256)}</code></td></tr>
<tr><th>iterations</th><td>${
    cell.detection
      ? `${cell.iterations} ran, ${cell.losses} stopped, ${cell.livelocks} livelocked, ${cell.errors} errors`
      : `${cell.iterations} ran, ${cell.losses} lost, ${cell.survived} survived${cell.progressUnknown ? ` (progress unknown in ${cell.progressUnknown})` : ''}, ${cell.stalled} stalled, ${cell.errors} errors`
  }</td></tr>
</table>
<table><thead><tr><th>run</th><th>#</th><th>outcome</th><th>stop</th><th>mutations</th><th>vCPU</th><th>EIP/RIP</th><th>QEMU output</th></tr></thead><tbody>
${iterations.join('\n')}
</tbody></table></details>`;
}

/** The Kaplan-Meier steps, carried on to the last mutation a surviving guest saw. */
function survivalPoints(model: ReportModel, cell: CellStats): [number, number][] {
  const points = cell.survivalByMutations.map((step): [number, number] => [step.at, step.surviving]);
  const end = Math.max(0, ...cellRecords(model, cell).map((record) => record.mutationsApplied));
  if (end > points.at(-1)![0]) points.push([end, points.at(-1)![1]]);
  return points;
}

function latencyPoints(model: ReportModel, cell: CellStats): [number, number][] {
  const merged = mergeHistograms(cellRecords(model, cell).map((record) => record.latencyHistogram));
  const total = histogramCount(merged);
  return Object.entries(merged)
    .map(([bucket, count]) => [bucketValue(Number(bucket)), count / total] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}
