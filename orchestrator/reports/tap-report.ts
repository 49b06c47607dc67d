import type { ReportModel } from './report-model.js';
import { cellTitle, verdictText } from './format.js';
import { escapeTapDescription } from './escape.js';

/** TAP 14: one test point per (suite, build), not ok when the verdict contradicts the expectation. */
export function renderTap(model: ReportModel): string {
  const out = ['TAP version 14', `1..${model.cells.length}`];
  model.cells.forEach((cell, index) => {
    const ok = cell.agrees !== false;
    const expected = cell.expected === null ? 'no expectation' : `expected ${cell.expected}`;
    out.push(`${ok ? 'ok' : 'not ok'} ${index + 1} - ${escapeTapDescription(`${cellTitle(cell)}: ${verdictText(cell.verdict)} (${expected})`)}`);
    if (!ok || cell.verdict.kind === 'inconclusive') {
      out.push('  ---', `  verdict: ${JSON.stringify(verdictText(cell.verdict))}`, `  expected: ${JSON.stringify(cell.expected)}`, `  lost: ${cell.losses}`, `  iterations: ${cell.iterations}`, `  mutations: ${cell.mutationsApplied}`, '  ...');
    }
  });
  return out.join('\n') + '\n';
}
