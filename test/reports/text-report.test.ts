import t from 'tap';
import { fixedWidthTable, renderText } from '../../orchestrator/reports/text-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderText(fixedReport()));
});

t.test('reads well in an email: the summary table fits 72 columns', async (t) => {
  const lines = renderText(fixedReport()).split('\n');
  const table = lines.slice(3, lines.indexOf('', 3));
  t.ok(table.length >= 5);
  for (const line of table) t.ok(line.length <= 72, `${line.length}: ${line}`);
  t.match(renderText(fixedReport()), /CONTRADICTED/);
});

t.test('fixed-width columns', async (t) => {
  t.same(fixedWidthTable(['a', 'bb'], [['xxx', '1'], ['y', '22']]), ['a    bb', '---  --', 'xxx   1', 'y    22']);
});
