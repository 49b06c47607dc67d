import type { ReportModel } from './report-model.js';

/** The statistics as data (records left out: they are in the run files). */
export function renderJson(model: ReportModel): string {
  const { records: _records, ...rest } = model;
  return JSON.stringify(rest, null, 2) + '\n';
}
