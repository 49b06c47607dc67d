#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { knownBuilds } from '../builds/build-registry.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { setup } from '../setup/setup.js';
import { renderChecks, runChecks } from './doctor.js';
import { compareCommand, reportCommand } from './report-commands.js';
import { publishCommand, runCommand } from './run-command.js';
import { USAGE, UsageError } from './usage.js';

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
      return runCommand(rest);
    case 'builds':
      return builds();
    case 'report':
      return reportCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'publish':
      return publishCommand(rest);
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
