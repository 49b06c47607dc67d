#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { findBuild, knownBuilds } from '../builds/build-registry.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { setInterruptHandler } from '../machine/process-reaper.js';
import { renderTable } from '../results/table.js';
import { type Plan, makePlan } from '../runner/plan.js';
import { type RunOptions, runPlan } from '../runner/run-plan.js';
import { type RunFiles, readRun, setRunStatus } from '../results/run-store.js';
import { ProgressDisplay } from './progress.js';
import { compareCommand, publishRun, reportCommand } from './report-commands.js';
import { buildReport } from '../reports/report-model.js';
import { renderText } from '../reports/text-report.js';
import { setup } from '../setup/setup.js';
import { loadSuite } from '../suites/load-suite.js';
import { renderChecks, runChecks } from './doctor.js';

const USAGE = `usage:
  slotlab run <suite> --build <name> [--build <name>...] [--repetitions N] [--mutations N] [--duration S] [--seed N] [--json]
  slotlab run --resume <run-id>     continue an interrupted run where it stopped
  slotlab report <run-id|file>... [--format text|md|html|junit|tap|json] [--output FILE]
                            statistics and verdicts per (suite, build) from stored runs
  slotlab compare <run-a> <run-b>   per-cell verdict changes and latency ratios
  slotlab publish [--repetitions N] [--mutations N]
                            run pam-qmp on debian-7.2 and debian-bpo-10.0 and write results/pam-qmp.{md,html,jsonl}
  slotlab builds            list known builds with version and path
  slotlab doctor            check KVM, QEMU builds, nasm, firmware and images; print fixes
  slotlab setup [--tests]   install packages, fetch builds and build guest images (idempotent);
                            --tests also installs what the tests need (chromium)

A suite is a file stem in suites/ (e.g. pam-qmp) or a path to a .yaml file.`;

class UsageError extends SlotlabError {
  constructor(detail: string) {
    super('USAGE', `${detail}\n${USAGE}`);
  }
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} needs a positive integer, not '${value}'`);
  return number;
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} needs a positive number of seconds, not '${value}'`);
  return number;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      build: { type: 'string', multiple: true },
      repetitions: { type: 'string' },
      mutations: { type: 'string' },
      duration: { type: 'string' },
      json: { type: 'boolean', default: false },
      seed: { type: 'string' },
      resume: { type: 'string' },
    },
  });
  let plan: Plan;
  let resume: RunOptions['resume'];
  if (values.resume !== undefined) {
    if (positionals.length > 0 || values.build || values.repetitions || values.mutations || values.duration || values.seed) {
      throw new UsageError('--resume takes only the run id: the suite, builds and limits are those the run started with');
    }
    const stored = readRun(values.resume);
    if (!stored.manifest) throw new UsageError(`run ${stored.files.runId} has no manifest (${stored.files.manifest}), so it cannot be resumed`);
    resume = { manifest: stored.manifest, records: stored.records };
    const manifest = stored.manifest;
    plan = makePlan(loadSuite(manifest.suite.file), manifest.builds.map((build) => build.name), manifest.overrides, manifest.seed);
  } else {
    if (positionals.length !== 1) throw new UsageError('run needs exactly one suite');
    if (!values.build?.length) throw new UsageError('run needs at least one --build (see `slotlab builds`)');
    const loaded = loadSuite(positionals[0]!);
    for (const name of values.build) findBuild(name);
    plan = makePlan(
      loaded,
      values.build,
      {
        repetitions: positiveInt('--repetitions', values.repetitions),
        mutations: positiveInt('--mutations', values.mutations),
        durationSeconds: positiveNumber('--duration', values.duration),
      },
      values.seed === undefined ? undefined : integer('--seed', values.seed),
    );
  }
  let files: RunFiles | undefined;
  setInterruptHandler((signal) => {
    if (files) setRunStatus(files, 'interrupted');
    process.stderr.write(
      `\nslotlab: ${signal}: stopped; every completed iteration is in ${files?.records ?? '(no run file yet)'}` +
        (files ? `; continue with: slotlab run --resume ${files.runId}` : '') +
        '\n',
    );
  });
  let progress: ProgressDisplay | undefined;
  const output = await runPlan(plan, {
    resume,
    onStart: (started, remaining) => {
      files = started;
      if (values.json) return;
      process.stderr.write(`slotlab: ${remaining.length} of ${plan.items.length} iterations of ${plan.loaded.suite.name} to run; records -> ${started.records}\n`);
      progress = new ProgressDisplay(plan.loaded.suite.name, plan.items);
      for (const record of resume?.records ?? []) progress.record(record);
    },
    onRecord: (record) => progress?.record(record),
  });
  if (values.json) {
    for (const record of output.records) process.stdout.write(JSON.stringify(record) + '\n');
  } else {
    process.stdout.write(renderTable(output.records) + '\n\n');
    process.stdout.write(renderText(buildReport({ manifests: [readRun(output.file).manifest], records: output.records })));
    process.stdout.write(`\nrecords: ${output.file}\n`);
  }
  return 0;
}

function integer(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${flag} needs an integer, not '${value}'`);
  return number;
}

async function publish(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { repetitions: { type: 'string' }, mutations: { type: 'string' } } });
  const plan = makePlan(loadSuite('pam-qmp'), ['debian-7.2', 'debian-bpo-10.0'], {
    repetitions: positiveInt('--repetitions', values.repetitions),
    mutations: positiveInt('--mutations', values.mutations),
  });
  let progress: ProgressDisplay | undefined;
  const output = await runPlan(plan, {
    onStart: (files) => {
      process.stderr.write(`slotlab: publishing ${plan.items.length} iterations of pam-qmp; records -> ${files.records}\n`);
      progress = new ProgressDisplay('pam-qmp', plan.items);
    },
    onRecord: (record) => progress?.record(record),
  });
  for (const file of publishRun(readRun(output.file))) process.stdout.write(`wrote ${file}\n`);
  return 0;
}

async function builds(): Promise<number> {
  for (const build of knownBuilds()) {
    try {
      const resolved = await build.resolve();
      process.stdout.write(`${build.name}\n  ${build.description}\n  version: ${resolved.provenance.version}\n  binary:  ${resolved.binary}\n  source:  ${resolved.provenance.source}\n  sha256:  ${resolved.provenance.sha256}\n`);
    } catch (error) {
      process.stdout.write(`${build.name}\n  ${build.description}\n  not ready: ${errorMessage(error)}\n`);
    }
  }
  return 0;
}

async function doctor(): Promise<number> {
  const checks = await runChecks();
  process.stdout.write(renderChecks(checks) + '\n');
  const missing = checks.filter((check) => !check.ok).length;
  process.stdout.write(missing ? `\n${missing} problem(s); run the fixes above.\n` : '\nall good\n');
  return missing ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'builds':
      return builds();
    case 'report':
      return reportCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'publish':
      return publish(rest);
    case 'doctor':
      return doctor();
    case 'setup': {
      const { values } = parseArgs({ args: rest, options: { tests: { type: 'boolean', default: false } } });
      await setup((line) => process.stderr.write(`slotlab setup: ${line}\n`), { forTests: values.tests });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof SlotlabError) {
      process.stderr.write(`slotlab: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`slotlab: ${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`slotlab: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
