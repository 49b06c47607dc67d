// tier: unit
import t from 'tap';
import { renderJson } from '../../orchestrator/reports/json-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('the statistics as data, without the records', async (t) => {
  const data = JSON.parse(renderJson(fixedReport()));
  t.equal(data.cells.length, 3);
  t.equal(data.records, undefined);
  t.equal(data.cells[0].verdict.kind, 'race');
  t.equal(data.generatedAt, '2026-11-25T00:00:00.000Z');
});
