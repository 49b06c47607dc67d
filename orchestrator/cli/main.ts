#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { findBuild, knownBuilds } from '../builds/build-registry.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { setInterruptHandler } from '../machine/process-reaper.js';
import { renderTable } from '../results/table.js';
import { makePlan } from '../runner/plan.js';
import { runPlan } from '../runner/run-plan.js';
import { setup } from '../setup/setup.js';
import { loadSuite } from '../suites/load-suite.js';
import { renderChecks, runChecks } from './doctor.js';

const USAGE = `usage:
  slotlab run <suite> --build <name> [--build <name>...] [--repetitions N] [--mutations N] [--duration S] [--json]
  slotlab builds            list known builds with version and path
  slotlab doctor            check KVM, QEMU builds, nasm, firmware and images; print fixes
  slotlab setup             install packages, fetch builds and build guest images (idempotent)

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
    },
  });
  if (positionals.length !== 1) throw new UsageError('run needs exactly one suite');
  if (!values.build?.length) throw new UsageError('run needs at least one --build (see `slotlab builds`)');
  const loaded = loadSuite(positionals[0]!);
  for (const name of values.build) findBuild(name);
  const plan = makePlan(
    loaded,
    values.build,
    {
      repetitions: positiveInt('--repetitions', values.repetitions),
      mutations: positiveInt('--mutations', values.mutations),
      durationSeconds: positiveNumber('--duration', values.duration),
    },
    values.seed === undefined ? undefined : Number(values.seed),
  );
  let runFile = '';
  setInterruptHandler((signal) => {
    process.stderr.write(`\nslotlab: ${signal}: stopped; every completed iteration is in ${runFile || '(no run file yet)'}\n`);
  });
  const output = await runPlan(plan, {
    onStart: (file) => {
      runFile = file;
      if (!values.json) process.stderr.write(`slotlab: ${plan.items.length} iterations of ${loaded.suite.name}; records -> ${file}\n`);
    },
    onRecord: (record, done, total) => {
      if (!values.json) {
        process.stderr.write(`slotlab: [${done}/${total}] ${record.build.name} #${record.iteration}: ${record.outcome} (${record.stopReason}, ${record.mutationsApplied} mutations)\n`);
      }
    },
  });
  if (values.json) {
    for (const record of output.records) process.stdout.write(JSON.stringify(record) + '\n');
  } else {
    process.stdout.write(renderTable(output.records) + '\n');
    process.stdout.write(`\nrecords: ${output.file}\n`);
  }
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
    case 'doctor':
      return doctor();
    case 'setup':
      await setup((line) => process.stderr.write(`slotlab setup: ${line}\n`));
      return 0;
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
