// tier: unit
import t from 'tap';
import { renderMarkdown } from '../../orchestrator/reports/markdown-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderMarkdown(fixedReport()));
});

t.test('one table row per cell, pipes escaped', async (t) => {
  const model = fixedReport();
  const piped = { ...model, cells: [...model.cells, { ...model.cells[0]!, build: 'my|build', suite: 'pam-qmp' }] };
  const text = renderMarkdown(piped);
  const rows = text.split('\n').filter((line) => line.startsWith('| pam-qmp'));
  t.equal(rows.length, 4);
  for (const row of rows) t.equal(row.split(/(?<!\\)\|/).length, 13, 'eleven cells');
  t.ok(rows.some((row) => row.includes('| my\\|build |')), 'the pipe in a build name is escaped');
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
