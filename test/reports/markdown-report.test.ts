import t from 'tap';
import { renderMarkdown } from '../../orchestrator/reports/markdown-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderMarkdown(fixedReport()));
});

t.test('one table row per cell, pipes escaped', async (t) => {
  const text = renderMarkdown(fixedReport());
  const rows = text.split('\n').filter((line) => line.startsWith('| pam-qmp'));
  t.equal(rows.length, 3);
  for (const row of rows) t.equal(row.split(/(?<!\\)\|/).length, 13, 'eleven cells');
});

t.test('a build with cells on the host and inside a kernel under test is listed once', async (t) => {
  const model = fixedReport();
  const nested = model.cells.map((cell) => ({ ...cell, build: `${cell.build} @ debian-6.1` }));
  const text = renderMarkdown({ ...model, cells: [...model.cells, ...nested] });
  const listed = text.split('\n').filter((line) => line.startsWith('- **'));
  const names = new Set(model.cells.map((cell) => cell.provenance.name));
  t.equal(listed.length, names.size, 'one line per build');
  t.equal(text.split('\n').filter((line) => line.includes(' @ debian-6.1 |')).length, nested.length, 'nested cells keep their rows');
});
