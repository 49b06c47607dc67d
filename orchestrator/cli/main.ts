#!/usr/bin/env node
import { costCommand } from './cost-command.js';
import { mergeCommand, planCommand } from './campaign-commands.js';
import { parseArgs } from 'node:util';
import { SlotlabError } from '../errors.js';
import { setup } from '../setup/setup.js';
import { DEFAULT_MATRIX } from './report-commands.js';
import { applyEnvironment } from './environment.js';
import { bisectCommand } from './bisect-command.js';
import { buildCommand, buildsCommand } from './build-command.js';
import { renderChecks, runChecks } from './doctor.js';
import { kernelCommand, kernelsCommand } from './kernel-command.js';
import { compareCommand, reportCommand } from './report-commands.js';
import { reproCommand } from './repro-command.js';
import { demoCommand, publishCommand, runCommand } from './run-command.js';
import { suitesCommand } from './suites-command.js';
import { verdictCommand } from './verdict-command.js';
import { USAGE, UsageError } from './usage.js';

async function doctor(): Promise<number> {
  const checks = await runChecks();
  process.stdout.write(renderChecks(checks) + '\n');
  const missing = checks.filter((check) => !check.ok && !check.optional).length;
  process.stdout.write(missing ? `\n${missing} problem(s); run the fixes above.\n` : '\nall good\n');
  return missing ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const context = applyEnvironment();
  switch (command) {
    case 'run':
      return runCommand(rest, context);
    case 'build':
      return buildCommand(rest);
    case 'builds':
      return buildsCommand();
    case 'kernel':
      return kernelCommand(rest);
    case 'verdict':
      return verdictCommand(rest, context);
    case 'bisect':
      return bisectCommand(rest, context);
    case 'kernels':
      return kernelsCommand();
    case 'suites':
      return suitesCommand();
    case 'demo':
      return demoCommand(rest, context);
    case 'report':
      return reportCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'repro':
      return reproCommand(rest, context);
    case 'publish':
      return publishCommand(rest, context);
    case 'cost':
      return costCommand(rest, context);
    case 'plan':
      return planCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'doctor':
      return doctor();
    case 'setup': {
      const { values } = parseArgs({ args: rest, options: { tests: { type: 'boolean', default: false }, kernels: { type: 'boolean', default: false } } });
      await setup((line) => process.stderr.write(`slotlab setup: ${line}\n`), { forTests: values.tests, kernels: values.kernels, builds: DEFAULT_MATRIX.builds });
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
