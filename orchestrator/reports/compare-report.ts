import type { CellChange } from '../stats/compare.js';
import { formatProbability } from '../stats/cell-stats.js';
import { formatUs, lostText, verdictText } from './format.js';
import { fixedWidthTable } from './text-report.js';

export function renderCompare(changes: readonly CellChange[], before: string, after: string): string {
  const rows = changes.map((change) => {
    const verdict = `${change.before ? verdictText(change.before.verdict).replace(/ \(.*/, '') : 'absent'} -> ${change.after ? verdictText(change.after.verdict).replace(/ \(.*/, '') : 'absent'}`;
    const ratio = change.latencyRatio
      ? `x${formatProbability(change.latencyRatio.estimate)} [${formatProbability(change.latencyRatio.low)}, ${formatProbability(change.latencyRatio.high)}]`
      : '-';
    return [
      `${change.suite} / ${change.build}`,
      change.verdictChanged ? `${verdict}  CHANGED` : verdict,
      `${change.before ? lostText(change.before) : '-'} -> ${change.after ? lostText(change.after) : '-'}`,
      `${formatUs(change.before?.latency.p50Us)} -> ${formatUs(change.after?.latency.p50Us)}`,
      ratio,
    ];
  });
  return [
    `before: ${before}`,
    `after:  ${after}`,
    '',
    ...fixedWidthTable(['suite / build', 'verdict', 'lost', 'latency p50', 'p50 ratio (95% CI)'], rows),
    '',
    `${changes.filter((change) => change.verdictChanged).length} verdict change(s).`,
    '',
  ].join('\n');
}
