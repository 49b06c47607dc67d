// tier: unit
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

t.test("a cell with errors names each distinct error's code and first line", async (t) => {
  const { buildReport } = await import('../../orchestrator/reports/report-model.js');
  const { sampleRecord } = await import('../fixtures/records.js');
  const error = { code: 'GUEST_PAGING_UNAVAILABLE', message: 'the guest reports paging is refused\nsecond line' };
  const records = [0, 1].map((iteration) => sampleRecord({ iteration, outcome: 'error', failure: null, error }));
  const text = renderText(buildReport({ manifests: [], records }));
  t.equal(text.split('\n').filter((line) => line.includes('error                GUEST_PAGING_UNAVAILABLE: the guest reports paging is refused')).length, 1, 'once per distinct error');
  t.notMatch(text, /second line/);
});
