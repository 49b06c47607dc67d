import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { cleanIterationsNeeded, recordsVerdict } from '../bisect/sequential.js';
import { errorMessage } from '../errors.js';
import { makePlan } from '../runner/plan.js';
import { runPlan } from '../runner/run-plan.js';
import { liveReporter } from '../reporters/registry.js';
import { suiteArtifacts } from './run-command.js';
import { loadSuite } from '../suites/load-suite.js';
import { HOST_CONTEXT, type RunContext } from '../run-context.js';
import { UsageError } from './usage.js';

/** Exit statuses `git bisect run` understands. */
export const VERDICT_EXIT = { safe: 0, race: 1, untestable: 125 } as const;
const VERDICT_OF = { safe: 'safe', race: 'race', skip: 'untestable' } as const;

function probability(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0 && number < 1)) throw new UsageError(`${flag} needs a probability between 0 and 1 (exclusive), not '${value}'`);
  return number;
}

/**
 * `slotlab verdict <suite> --build B [--race-probability P] [--alpha A]`: runs
 * iterations until the guest is lost (exit 1) or enough clean iterations that
 * a build racing with probability P per iteration would have lost one with
 * probability 1 - A (exit 0). Anything that stops it from testing exits 125,
 * so it can drive `git bisect run` directly.
 */
export async function verdictCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
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
    const plan = makePlan(loadSuite(positionals[0]!), [values.build], { repetitions: needed, mutations, untilLost: true });
    const artifacts = await suiteArtifacts(plan.loaded);
    const output = await runPlan(plan, { context, linux: artifacts.linux, reporter: liveReporter('progress') }).finally(artifacts.dispose);
    const verdict = VERDICT_OF[recordsVerdict(output.records, needed)];
    const losses = output.records.filter((record) => record.outcome === 'guest-lost').length;
    process.stdout.write(`${verdict}: ${output.records.length} iterations, ${losses} lost (needed ${needed} clean for p=${pRace}, alpha=${alpha}); records: ${output.file}\n`);
    return VERDICT_EXIT[verdict];
  } catch (error) {
    process.stderr.write(`slotlab verdict: could not test: ${errorMessage(error)}\n`);
    return VERDICT_EXIT.untestable;
  }
}
