import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { cleanIterationsNeeded } from '../bisect/sequential.js';
import { errorMessage } from '../errors.js';
import type { IterationRecord } from '../results/record.js';
import { makePlan } from '../runner/plan.js';
import { runPlan } from '../runner/run-plan.js';
import { loadSuite } from '../suites/load-suite.js';
import { UsageError } from './usage.js';

/** Exit statuses `git bisect run` understands. */
export const VERDICT_EXIT = { safe: 0, race: 1, untestable: 125 } as const;
const MAX_ERRORS = 2;

function probability(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0 && number < 1)) throw new UsageError(`${flag} needs a probability between 0 and 1 (exclusive), not '${value}'`);
  return number;
}

/** What a finished sequential run says: a loss is conclusive; safe only after every clean iteration. */
export function verdictOf(records: readonly IterationRecord[], needed: number): keyof typeof VERDICT_EXIT {
  if (records.some((record) => record.outcome === 'guest-lost')) return 'race';
  const clean = records.filter((record) => record.outcome === 'survived').length;
  return clean >= needed ? 'safe' : 'untestable';
}

/**
 * `slotlab verdict <suite> --build B [--race-probability P] [--alpha A]`: runs
 * iterations until the guest is lost (exit 1) or enough clean iterations that
 * a build racing with probability P per iteration would have lost one with
 * probability 1 - A (exit 0). Anything that stops it from testing exits 125,
 * so it can drive `git bisect run` directly.
 */
export async function verdictCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { build: { type: 'string' }, 'race-probability': { type: 'string' }, alpha: { type: 'string' }, mutations: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.build) throw new UsageError('verdict needs one suite and one --build');
  const pRace = probability('--race-probability', values['race-probability'], 0.5);
  const alpha = probability('--alpha', values.alpha, 0.01);
  const needed = cleanIterationsNeeded(pRace, alpha);
  try {
    findBuild(values.build);
    const mutations = values.mutations === undefined ? undefined : Number(values.mutations);
    const plan = makePlan(loadSuite(positionals[0]!), [values.build], { repetitions: needed, mutations });
    const output = await runPlan(plan, {
      stopWhen: (records) => records.some((r) => r.outcome === 'guest-lost') || records.filter((r) => r.outcome === 'error' || r.outcome === 'stalled').length >= MAX_ERRORS,
    });
    const verdict = verdictOf(output.records, needed);
    const losses = output.records.filter((record) => record.outcome === 'guest-lost').length;
    process.stdout.write(`${verdict}: ${output.records.length} iterations, ${losses} lost (needed ${needed} clean for p=${pRace}, alpha=${alpha}); records: ${output.file}\n`);
    return VERDICT_EXIT[verdict];
  } catch (error) {
    process.stderr.write(`slotlab verdict: could not test: ${errorMessage(error)}\n`);
    return VERDICT_EXIT.untestable;
  }
}
