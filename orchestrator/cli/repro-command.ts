import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeRepro, pickIteration } from '../repro/make-repro.js';
import { readRun } from '../results/run-store.js';
import type { RunContext } from '../run-context.js';
import { UsageError } from './usage.js';

/** `slotlab repro <run> [--build B] [--iteration N] --output DIR`: a standalone reproducer of one iteration. */
export function reproCommand(args: string[], context: RunContext): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { build: { type: 'string' }, iteration: { type: 'string' }, output: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('repro needs one run (its id or its .jsonl file)');
  if (!values.output) throw new UsageError('repro needs --output DIR, the folder to write the reproducer into');
  const iteration = values.iteration === undefined ? undefined : Number(values.iteration);
  if (iteration !== undefined && (!Number.isInteger(iteration) || iteration < 0)) throw new UsageError(`--iteration needs a non-negative integer, not '${values.iteration}'`);
  const run = readRun(positionals[0]!);
  const record = pickIteration(run.records, run.files.runId, { build: values.build, iteration });
  const output = path.resolve(values.output);
  makeRepro(run.files.records, record, output, context.location);
  process.stdout.write(`${record.suite.name} iteration ${record.iteration} on ${record.build.name} (${record.outcome}): ${output}/reproduce.sh\n`);
  return 0;
}
