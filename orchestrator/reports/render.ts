import { renderGridHtml } from './grid-html.js';
import { renderGridMarkdown } from './grid-markdown.js';
import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';
import type { ReportModel } from './report-model.js';
import { renderTap } from './tap-report.js';
import { renderText } from './text-report.js';

/** grid-md, grid-html: rows = combinations (`<build> @ <kernel>`), columns = suites (the design-space table). */
export const REPORT_FORMATS = ['text', 'md', 'html', 'junit', 'tap', 'json', 'grid-md', 'grid-html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const RENDERERS: Record<ReportFormat, (model: ReportModel) => string> = {
  text: renderText,
  md: renderMarkdown,
  html: renderHtml,
  junit: renderJunit,
  tap: renderTap,
  json: renderJson,
  'grid-md': renderGridMarkdown,
  'grid-html': renderGridHtml,
};

export function renderReport(model: ReportModel, format: ReportFormat): string {
  return RENDERERS[format](model);
}
