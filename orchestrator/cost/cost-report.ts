import { escapeHtml as h, escapeMarkdownCell } from '../reports/escape.js';
import { formatInterval } from '../reports/format.js';
import { STYLE } from '../reports/html-report.js';
import { lineChart } from '../reports/svg-charts.js';
import { type BootCell, type CostMatrix, STALL_THRESHOLD_US, type Spread } from './cost-model.js';
import { RFC_COST } from './rfc-figures.js';

interface Table {
  caption: string;
  headers: string[];
  rows: string[][];
}

/** What the cost report says, whatever it is rendered as. */
export interface CostReport {
  title: string;
  intro: string[];
  tables: Table[];
  chart: string;
  /** Paragraphs under the tables: what the figures show (written by whoever publishes them) and this machine's limits. */
  notes: string[];
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${value} ms`);
const us = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${value} µs`);
const spreadCells = (value: Spread | null) => (value ? [ms(value.mean), ms(value.p50), ms(value.p99), ms(value.stdev)] : ['-', '-', '-', '-']);

export function costReport(matrix: CostMatrix, options: { generatedAt: string; notes?: string }): CostReport {
  const environments = [...new Set(matrix.boots.map((cell) => cell.combination.environment))];
  const tables: Table[] = environments.map((environment) => ({
    caption: `Commit time per SeaBIOS boot (suite firmware-boot), ${environment}: ${matrix.hosts[environment] ?? ''}`,
    headers: ['combination', 'family', 'vCPUs', 'boots', 'lost', 'lost per boot (95%)', 'commit time per boot: mean', 'p50', 'p99', 'stdev', 'commits per boot', 'overlapping per boot', 'slot ioctls per boot', 'one commit: p50 / p99 / max', 'vCPUs held per boot (holds)', 'longest hold', 'not in this build\'s trace'],
    rows: matrix.boots.filter((cell) => cell.combination.environment === environment).map(bootRow),
  }));
  tables.push({
    caption: `The RFC's published figures (${RFC_COST.citation}; ${RFC_COST.machine}): total time in the KVM listener's commit per boot, --overcommit cpu-pm=on, mean of 100 boots (1000 at 16 and 24 vCPUs)`,
    headers: ['vCPUs', 'kernel list ioctl (RFC)', 'pause/resume (userspace prototype)'],
    rows: RFC_COST.rows.map((row) => [String(row.vcpus), ms(row.listIoctlMs), `${ms(row.pauseResumeMs)}${'pauseResumeStdevMs' in row ? ` (stdev ${row.pauseResumeStdevMs} ms)` : ''}`]),
  });
  if (matrix.stalls.length > 0) {
    tables.push({
      caption: `Stalls seen by the guest: gaps between two iterations of a vCPU's loop (rdtsc, calibrated), control-idle against pam-bystander (PAM flips that no vCPU executes in)`,
      headers: ['combination', 'environment', 'vCPUs', 'suite', 'iterations', 'vCPU-seconds', `gaps ≥ ${STALL_THRESHOLD_US} µs per vCPU-second`, 'largest gap below', 'flips per second'],
      rows: matrix.stalls.map((cell) => [
        cell.combination.label,
        cell.combination.environment,
        String(cell.vcpus),
        cell.suite,
        String(cell.iterations),
        String(cell.vcpuSeconds),
        String(cell.stallsPerVcpuSecond),
        us(cell.largestGapBelowUs),
        cell.mutationsPerSecond === null ? '-' : String(cell.mutationsPerSecond),
      ]),
    });
  }
  const series = [...new Set(matrix.boots.map((cell) => cell.combination.label))].flatMap((label) => {
    const points = matrix.boots.filter((cell) => cell.combination.label === label && cell.commitMsPerBoot).map((cell): [number, number] => [cell.vcpus, cell.commitMsPerBoot!.mean]);
    return points.length ? [{ name: label, points }] : [];
  });
  series.push({ name: 'RFC: list ioctl', points: RFC_COST.rows.map((row) => [row.vcpus, row.listIoctlMs]) });
  series.push({ name: 'RFC: pause/resume', points: RFC_COST.rows.map((row) => [row.vcpus, row.pauseResumeMs]) });
  const chart = lineChart(series, { title: 'Commit time per boot against vCPUs', xLabel: 'vCPUs', yLabel: 'ms per boot (mean)' });
  const limits =
    "Limits: commit time is measured inside QEMU, from the listeners' begin() to their commit() of every memory transaction that changed a KVM slot (qemu-patches/<base>/common, applied to every source variant), so it includes the other listeners' share of those transactions; the RFC timed the KVM listener's commit alone. " +
    "Debian's binaries have only the slot ioctl trace event: their commit time and vCPU hold time are missing, not zero. " +
    'Combinations in different environments are not compared with each other: L2 under TCG runs every vCPU of L1 on an emulated CPU, which makes each ioctl far slower than on a real host. ' +
    'vCPU counts above the CPUs of the machine that ran QEMU are an overcommit (marked), where vCPU threads wait for a CPU as well as for the fix.';
  return {
    title: 'slotlab: what each fix costs, commit time per boot and vCPU stalls against vCPU count',
    intro: [
      `Generated ${options.generatedAt} from the records of runs ${matrix.runIds.join(', ')} (beside this file).`,
      'Workload: the build\'s own SeaBIOS booting with -overcommit cpu-pm=on, VGA and no disk until it prints "No bootable device" (suite firmware-boot); each boot is one iteration, classified like every suite.',
    ],
    tables,
    chart,
    notes: [...(options.notes ? options.notes.split(/\n\s*\n/).map((paragraph) => paragraph.trim()).filter(Boolean) : []), limits],
  };
}

function bootRow(cell: BootCell): string[] {
  const lost = cell.losses === 0 ? '0' : `${cell.losses}${cell.possibleHostArtefact ? ' (a fixed build lost a guest here too: possibly the host, not the race)' : ''}`;
  return [
    cell.combination.label,
    cell.combination.family,
    `${cell.vcpus}${cell.overcommit ? ' (overcommit)' : ''}`,
    String(cell.boots),
    lost,
    formatInterval(cell.lossPerBoot),
    ...spreadCells(cell.commitMsPerBoot),
    cell.commitsPerBoot === null ? '-' : String(cell.commitsPerBoot),
    String(cell.overlappingPerBoot),
    String(cell.slotIoctlsPerBoot),
    cell.perCommitUs ? `${cell.perCommitUs.p50} / ${cell.perCommitUs.p99} / ${cell.perCommitUs.max} µs` : '-',
    cell.heldMsPerBoot ? `${ms(cell.heldMsPerBoot.mean)} (${cell.holdsPerBoot})` : '-',
    us(cell.heldMaxUs),
    cell.missing.join(', ') || '-',
  ];
}

export function renderCostMarkdown(report: CostReport, chartFile: string): string {
  const lines = [`# ${report.title}`, '', ...report.intro.flatMap((line) => [line, '']), `![${'commit time per boot against vCPUs'}](${chartFile})`, ''];
  for (const table of report.tables) {
    lines.push(`**${escapeMarkdownCell(table.caption)}**`, '');
    lines.push(`| ${table.headers.map(escapeMarkdownCell).join(' | ')} |`, `|${table.headers.map(() => '---').join('|')}|`);
    for (const row of table.rows) lines.push(`| ${row.map(escapeMarkdownCell).join(' | ')} |`);
    lines.push('');
  }
  lines.push('## What the figures show', '', ...report.notes.flatMap((paragraph) => [paragraph, '']));
  return lines.join('\n');
}

export function renderCostHtml(report: CostReport): string {
  const tables = report.tables.map(
    (table) =>
      `<table><caption>${h(table.caption)}</caption><thead><tr>${table.headers.map((header) => `<th>${h(header)}</th>`).join('')}</tr></thead><tbody>` +
      table.rows.map((row) => `<tr>${row.map((cell) => `<td>${h(cell)}</td>`).join('')}</tr>`).join('\n') +
      '</tbody></table>',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(report.title)}</title><style>${STYLE}caption{text-align:left;font-weight:600;padding:4px 0}</style></head>
<body><h1>${h(report.title)}</h1>
${report.intro.map((line) => `<p>${h(line)}</p>`).join('\n')}
<div class="charts">${report.chart}</div>
${tables.join('\n')}
<h2>What the figures show</h2>
${report.notes.map((paragraph) => `<p>${h(paragraph)}</p>`).join('\n')}
</body></html>
`;
}
