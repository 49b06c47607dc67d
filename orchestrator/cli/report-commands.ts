import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../paths.js';
import { renderCompare } from '../reports/compare-report.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../reports/render.js';
import { buildReport } from '../reports/report-model.js';
import { hostText } from '../reports/format.js';
import type { IterationRecord } from '../results/record.js';
import type { RunManifest } from '../results/run-manifest.js';
import { type StoredRun, readRuns } from '../results/run-store.js';
import { tornNotes } from '../results/record-writer.js';
import { compareRecords } from '../stats/compare.js';
import { UsageError } from './usage.js';


function loadRuns(ids: string[]): { runs: StoredRun[]; manifests: (RunManifest | undefined)[]; records: IterationRecord[] } {
  const runs = ids.flatMap((id) => readRuns(id));
  for (const run of runs) {
    for (const note of tornNotes(run.files.records, run.torn)) process.stderr.write(`slotlab: ${note}\n`);
  }
  return { runs, manifests: runs.map((run) => run.manifest), records: runs.flatMap((run) => run.records) };
}

export function reportCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, output: { type: 'string' }, origin: { type: 'string' }, 'source-url': { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('report needs at least one run');
  if (!(REPORT_FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`unknown format '${values.format}': use one of ${REPORT_FORMATS.join(', ')}`);
  if ((values.origin !== undefined || values['source-url'] !== undefined) && values.format !== 'kcidb') throw new UsageError('--origin and --source-url belong to --format kcidb');
  if (values.origin !== undefined && !/^[a-z0-9_]+$/.test(values.origin)) throw new UsageError(`--origin '${values.origin}': KCIDB origins are lower-case letters, digits and '_' (the name KernelCI gave your submissions)`);
  const sourceUrl = values['source-url'];
  if (sourceUrl !== undefined && !/^(https?|git|file):/.test(sourceUrl)) throw new UsageError(`--source-url '${sourceUrl}': give the URL this repository's files are served from, e.g. https://github.com/<owner>/slotlab/raw/<commit>`);
  const { manifests, records } = loadRuns(positionals);
  if (records.length === 0) throw new UsageError(`no iteration records in ${positionals.join(', ')}`);
  const kcidb = { ...(values.origin ? { origin: values.origin } : {}), sourceUrl: sourceUrl ?? pathToFileURL(repoRoot).href };
  const text = renderReport(buildReport({ manifests, records }), values.format as ReportFormat, { kcidb });
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
  if (positionals.length !== 2) throw new UsageError('compare needs exactly two runs (each may be a comma-separated list of runs: several suites on each side)');
  const list = (side: string) => side.split(',').filter((run) => run.length > 0);
  const before = loadRuns(list(positionals[0]!));
  const after = loadRuns(list(positionals[1]!));
  const thresholds = new Map([...before.manifests, ...after.manifests].filter((m) => m !== undefined).map((m) => [m.suite.name, m.safeBelow]));
  const changes = compareRecords(before.records, after.records, (suite) => thresholds.get(suite) ?? 0.001);
  process.stdout.write(renderCompare(changes, before.runs.map((run) => run.files.runId).join(', '), after.runs.map((run) => run.files.runId).join(', ')));
  return 0;
}

/** The suites and builds of the published reference tables. */
export const DEFAULT_MATRIX = { suites: ['pam-qmp', 'pam-guest', 'control-idle'], builds: ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu'] } as const;

/** Where runs inside kernels under test are published: all of them, or the cells that name a kernel. */
function insideKernels(records: readonly IterationRecord[], kernels: readonly string[]): string {
  if (kernels.length === 0) return '';
  const all = records.every((record) => record.host.kernelUnderTest);
  return all ? ` inside kernels ${kernels.join(', ')} (L1 under TCG)` : ` (cells "<build> @ <kernel>" inside kernels ${kernels.join(', ')}, L1 under TCG)`;
}

/**
 * Writes the published reference tables into results/: one Markdown and one HTML
 * report over all the runs (`<name>.*`, default `default-matrix`), and each run's own records and manifest.
 */
export interface PublishLayout {
  /** cells: a row per (suite, build) cell; grid: a row per combination, a column per suite. */
  layout?: 'cells' | 'grid';
  /** Printed under the table. */
  notes?: string;
}

export function publishRuns(runs: StoredRun[], into: string = path.join(repoRoot, 'results'), name = 'default-matrix', options: PublishLayout = {}): string[] {
  const records = runs.flatMap((run) => run.records);
  const first = runs[0]!;
  const host = first.manifest?.host ?? records[0]!.host;
  const date = (first.manifest?.startedAt ?? records[0]!.startedAt).slice(0, 10);
  const suites = [...new Set(records.map((record) => record.suite.name))].join(', ');
  const builds = [...new Set(records.map((record) => record.build.name))].join(', ');
  const kernels = [...new Set(records.flatMap((record) => (record.host.kernelUnderTest ? [record.host.kernelUnderTest.name] : [])))];
  const model = buildReport({
    manifests: runs.map((run) => run.manifest),
    records,
    title: `slotlab ${suites} on ${builds}${insideKernels(records, kernels)}; ${hostText(host)}, ${date}`,
    generatedAt: runs.map((run) => run.manifest?.endedAt ?? run.records.at(-1)?.startedAt ?? '').sort().at(-1)!,
    ...(options.notes === undefined ? {} : { notes: options.notes }),
  });
  const grid = options.layout === 'grid';
  fs.mkdirSync(into, { recursive: true });
  const written = [path.join(into, `${name}.md`), path.join(into, `${name}.html`)];
  fs.writeFileSync(written[0]!, renderReport(model, grid ? 'grid-md' : 'md'));
  fs.writeFileSync(written[1]!, renderReport(model, grid ? 'grid-html' : 'html'));
  const suiteOf = (run: StoredRun) => run.manifest?.suite.name ?? run.records[0]!.suite.name;
  const shared = (suite: string) => runs.filter((run) => suiteOf(run) === suite).length > 1;
  for (const run of runs) {
    // Several runs of one suite keep their run ids as file names.
    const suite = shared(suiteOf(run)) ? run.files.runId : suiteOf(run);
    written.push(path.join(into, `${suite}.jsonl`));
    fs.copyFileSync(run.files.records, written.at(-1)!);
    if (run.manifest) {
      written.push(path.join(into, `${suite}.manifest.json`));
      fs.copyFileSync(run.files.manifest, written.at(-1)!);
    }
    // The records name their flight files relative to their folder: <run-id>/<build>.<iteration>.*
    if (fs.existsSync(run.files.flightDir)) {
      const flightInto = path.join(into, run.files.runId);
      fs.cpSync(run.files.flightDir, flightInto, { recursive: true });
      written.push(flightInto);
    }
  }
  return written;
}
