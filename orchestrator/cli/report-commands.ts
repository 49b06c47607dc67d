import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../paths.js';
import { renderCompare } from '../reports/compare-report.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../reports/render.js';
import { buildReport } from '../reports/report-model.js';
import { hostText } from '../reports/format.js';
import type { IterationRecord } from '../results/record.js';
import type { RunManifest } from '../results/run-manifest.js';
import { type StoredRun, readRun } from '../results/run-store.js';
import { compareRecords } from '../stats/compare.js';
import { UsageError } from './usage.js';


function loadRuns(ids: string[]): { runs: StoredRun[]; manifests: (RunManifest | undefined)[]; records: IterationRecord[] } {
  const runs = ids.map((id) => readRun(id));
  for (const run of runs) {
    if (run.truncatedTail) process.stderr.write(`slotlab: ${run.files.records}: last line incomplete (interrupted write), left out\n`);
  }
  return { runs, manifests: runs.map((run) => run.manifest), records: runs.flatMap((run) => run.records) };
}

export function reportCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'text' }, output: { type: 'string' } } });
  if (positionals.length === 0) throw new UsageError('report needs at least one run');
  if (!(REPORT_FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`unknown format '${values.format}'`);
  const { manifests, records } = loadRuns(positionals);
  if (records.length === 0) throw new UsageError(`no iteration records in ${positionals.join(', ')}`);
  const text = renderReport(buildReport({ manifests, records }), values.format as ReportFormat);
  if (values.output) {
    fs.writeFileSync(values.output, text);
    process.stderr.write(`slotlab: wrote ${values.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

export function compareCommand(args: string[]): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 2) throw new UsageError('compare needs exactly two runs');
  const before = loadRuns([positionals[0]!]);
  const after = loadRuns([positionals[1]!]);
  const thresholds = new Map([...before.manifests, ...after.manifests].filter((m) => m !== undefined).map((m) => [m.suite.name, m.safeBelow]));
  const changes = compareRecords(before.records, after.records, (suite) => thresholds.get(suite) ?? 0.001);
  process.stdout.write(renderCompare(changes, before.runs[0]!.files.runId, after.runs[0]!.files.runId));
  return 0;
}

/** Writes the published reference tables for one stored run into results/: Markdown, HTML and the run's own files. */
export function publishRun(run: StoredRun, into = path.join(repoRoot, 'results')): string[] {
  const suite = run.manifest?.suite.name ?? run.records[0]!.suite.name;
  const host = run.manifest?.host ?? run.records[0]!.host;
  const date = (run.manifest?.startedAt ?? run.records[0]!.startedAt).slice(0, 10);
  const builds = [...new Set(run.records.map((record) => record.build.name))].join(', ');
  const model = buildReport({
    manifests: [run.manifest],
    records: run.records,
    title: `slotlab ${suite}: ${builds} on ${hostText(host)}, ${date}`,
    generatedAt: run.manifest?.endedAt ?? run.records.at(-1)!.startedAt,
  });
  fs.mkdirSync(into, { recursive: true });
  const written = [path.join(into, `${suite}.md`), path.join(into, `${suite}.html`), path.join(into, `${suite}.jsonl`), path.join(into, `${suite}.manifest.json`)];
  fs.writeFileSync(written[0]!, renderReport(model, 'md'));
  fs.writeFileSync(written[1]!, renderReport(model, 'html'));
  fs.copyFileSync(run.files.records, written[2]!);
  if (run.manifest) fs.copyFileSync(run.files.manifest, written[3]!);
  return run.manifest ? written : written.slice(0, 3);
}
