import { renderEmail } from './email-report.js';
import { renderGridHtml } from './grid-html.js';
import { renderGridMarkdown } from './grid-markdown.js';
import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { type KcidbOptions, renderKcidb } from './kcidb-report.js';
import { renderMarkdown } from './markdown-report.js';
import type { ReportModel } from './report-model.js';
import { renderTap } from './tap-report.js';
import { renderText } from './text-report.js';

/** grid-md, grid-html: rows = combinations (`<build> @ <kernel>`), columns = suites (the design-space table). */
/** email: a plain-text list reply, at most 72 columns. */
/** kcidb: a KernelCI KCIDB v5 document (checkouts, builds, tests) for kcidb-submit. */
export const REPORT_FORMATS = ['text', 'md', 'html', 'junit', 'tap', 'json', 'grid-md', 'grid-html', 'email', 'kcidb'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What a format needs beyond the model (only kcidb so far: its origin and where patches are served). */
export interface RenderOptions {
  kcidb?: KcidbOptions;
}

const RENDERERS: Record<ReportFormat, (model: ReportModel, options: RenderOptions) => string> = {
  text: renderText,
  md: renderMarkdown,
  html: renderHtml,
  junit: renderJunit,
  tap: renderTap,
  json: renderJson,
  'grid-md': renderGridMarkdown,
  'grid-html': renderGridHtml,
  email: renderEmail,
  kcidb: (model, options) => renderKcidb(model, options.kcidb),
};

export function renderReport(model: ReportModel, format: ReportFormat, options: RenderOptions = {}): string {
  return RENDERERS[format](model, options);
}
