import type { ReportModel } from './report-model.js';
import { cellTitle, verdictText } from './format.js';
import { escapeXml, escapeXmlAttribute as attr } from './escape.js';

/** One test case per (suite, build); it fails when the verdict contradicts the suite's expectation. */
export function renderJunit(model: ReportModel): string {
  const failures = model.cells.filter((cell) => cell.agrees === false).length;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="slotlab" tests="${model.cells.length}" failures="${failures}">`);
  const suites = [...new Set(model.cells.map((cell) => cell.suite))];
  for (const suite of suites) {
    const cells = model.cells.filter((cell) => cell.suite === suite);
    out.push(`  <testsuite name="${attr(suite)}" tests="${cells.length}" failures="${cells.filter((cell) => cell.agrees === false).length}" timestamp="${attr(model.generatedAt)}">`);
    for (const cell of cells) {
      out.push(`    <testcase classname="slotlab.${attr(suite)}" name="${attr(cell.build)}">`);
      if (cell.agrees === false) {
        out.push(`      <failure message="${attr(`${cellTitle(cell)}: verdict ${verdictText(cell.verdict)}, expected ${cell.expected}`)}" type="verdict"/>`);
      }
      out.push(`      <system-out>${escapeXml(`${verdictText(cell.verdict)}; lost ${cell.losses} of ${cell.iterations} iterations, ${cell.mutationsApplied} mutations; ${cell.provenance.version}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
