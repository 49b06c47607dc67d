import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';
import type { ReportModel } from './report-model.js';
import { renderTap } from './tap-report.js';
import { renderText } from './text-report.js';

export const REPORT_FORMATS = ['text', 'md', 'html', 'junit', 'tap', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const RENDERERS: Record<ReportFormat, (model: ReportModel) => string> = {
  text: renderText,
  md: renderMarkdown,
  html: renderHtml,
  junit: renderJunit,
  tap: renderTap,
  json: renderJson,
};

export function renderReport(model: ReportModel, format: ReportFormat): string {
  return RENDERERS[format](model);
}
