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
