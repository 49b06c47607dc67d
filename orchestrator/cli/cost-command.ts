import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { SlotlabError } from '../errors.js';
import { COST_SUITE, STALL_SUITES, costMatrix } from '../cost/cost-model.js';
import { costReport, renderCostHtml, renderCostMarkdown } from '../cost/cost-report.js';
import { repoRoot } from '../paths.js';
import type { LiveReporter } from '../reporters/reporter.js';
import { type StoredRun, readRun, readRuns } from '../results/run-store.js';
import { HOST_CONTEXT, type RunContext } from '../run-context.js';
import { makePlan } from '../runner/plan.js';
import { SPIN } from '../images/spin-contract.js';
import { loadSuite } from '../suites/load-suite.js';
import { readNotes, runPlanned } from './run-command.js';
import { UsageError, positiveInt, positiveNumber } from './usage.js';

const DEFAULT_STALL_SECONDS = 10;

/**
 * `slotlab cost`: firmware-boot at each vCPU count on each build (plus control-idle and pam-bystander for the
 * stalls), then cost-matrix.md, .html and .svg with the records beside them; `--from` renders stored runs.
 */
export async function costCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      vcpus: { type: 'string' },
      boots: { type: 'string' },
      build: { type: 'string', multiple: true },
      kernel: { type: 'string' },
      output: { type: 'string' },
      'stall-seconds': { type: 'string' },
      notes: { type: 'string' },
      from: { type: 'string', multiple: true },
    },
  });
  const output = path.resolve(values.output ?? path.join(repoRoot, 'results'));
  const notes = values.notes === undefined ? undefined : readNotes(values.notes);
  let runs: StoredRun[];
  if (values.from) {
    if (values.vcpus || values.boots || values.build || values.kernel || values['stall-seconds']) throw new UsageError('--from renders stored runs as they are; --vcpus, --boots, --build, --kernel and --stall-seconds apply to new runs only');
    runs = [...values.from, ...positionals].flatMap((run) => readRuns(run));
  } else {
    if (positionals.length > 0) throw new UsageError('cost takes no suite: it runs firmware-boot, control-idle and pam-bystander (run ids go after --from)');
    if (!values.build?.length) throw new UsageError('cost needs at least one --build (see `slotlab builds`)');
    for (const name of values.build) findBuild(name);
    const vcpus = vcpuList(values.vcpus ?? '1,2,4,8');
    const boots = positiveInt('--boots', values.boots) ?? 10;
    const stallSeconds = values['stall-seconds'] === '0' ? 0 : (positiveNumber('--stall-seconds', values['stall-seconds']) ?? DEFAULT_STALL_SECONDS);
    runs = await measure({ builds: values.build, vcpus, boots, stallSeconds, kernel: values.kernel, context });
  }
  const records = runs.flatMap((run) => run.records);
  if (!records.some((record) => record.suite.name === COST_SUITE)) throw new UsageError(`none of these runs has ${COST_SUITE} records: give runs that \`slotlab cost\` made`);
  const generatedAt = runs.map((run) => run.manifest?.endedAt ?? run.records.at(-1)?.startedAt ?? '').sort().at(-1)!;
  const report = costReport(costMatrix(records), { generatedAt, ...(notes === undefined ? {} : { notes }) });
  fs.mkdirSync(output, { recursive: true });
  const written = [path.join(output, 'cost-matrix.md'), path.join(output, 'cost-matrix.html'), path.join(output, 'cost-matrix.svg')];
  fs.writeFileSync(written[0]!, renderCostMarkdown(report, 'cost-matrix.svg'));
  fs.writeFileSync(written[1]!, renderCostHtml(report));
  fs.writeFileSync(written[2]!, report.chart + '\n');
  const recordsDir = path.join(output, 'cost-matrix-runs');
  fs.mkdirSync(recordsDir, { recursive: true });
  for (const run of runs) {
    written.push(path.join(recordsDir, `${run.files.runId}.jsonl`));
    fs.copyFileSync(run.files.records, written.at(-1)!);
    if (run.manifest) {
      written.push(path.join(recordsDir, `${run.files.runId}.manifest.json`));
      fs.copyFileSync(run.files.manifest, written.at(-1)!);
    }
  }
  for (const file of written) process.stdout.write(`wrote ${file}\n`);
  return 0;
}

interface Measurement {
  builds: string[];
  vcpus: number[];
  boots: number;
  stallSeconds: number;
  kernel: string | undefined;
  context: RunContext;
}

/** Every run the matrix needs, one after the other, with the boots done and an estimate of the time left on stderr. */
async function measure({ builds, vcpus, boots, stallSeconds, kernel, context }: Measurement): Promise<StoredRun[]> {
  const jobs = vcpus.flatMap((count) => [
    { suite: COST_SUITE, cpus: count, overrides: { repetitions: boots, cpus: count } },
    ...(stallSeconds > 0 ? STALL_SUITES.map((suite) => ({ suite, cpus: count, overrides: { repetitions: 1, cpus: count, durationSeconds: stallSeconds } })) : []),
  ]);
  const total = jobs.reduce((sum, job) => sum + job.overrides.repetitions * builds.length, 0);
  const started = performance.now();
  let done = 0;
  const runs: StoredRun[] = [];
  for (const job of jobs) {
    const plan = makePlan(loadSuite(job.suite), builds, job.overrides);
    let runId: string | undefined;
    let counted = 0;
    const progress = () => {
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? Math.round((elapsed / done) * (total - done)) : undefined;
      process.stderr.write(`slotlab cost: ${done}/${total} iterations done (${job.suite} at ${job.cpus} vCPUs)${eta === undefined ? '' : `, about ${formatSeconds(eta)} left`}\n`);
    };
    const reporter: LiveReporter = {
      iteration: () => {
        done++;
        counted++;
        progress();
      },
      runEnded: (end) => {
        runId = end.files.runId;
        done += end.records.length - counted;
        counted = end.records.length;
      },
    };
    const status = await runPlanned(plan, { kernel, paging: 'tdp', reporter, context });
    if (runId !== undefined) runs.push(readRun(runId));
    progress();
    if (status !== 0) {
      throw new SlotlabError('COST_RUN_FAILED', `the ${job.suite} run at ${job.cpus} vCPUs failed (exit ${status}); its completed iterations are in run ${runId ?? '(none)'}; after fixing the cause, run slotlab cost again, or render what finished with slotlab cost --from <run ids>`);
    }
  }
  return runs;
}

function vcpuList(text: string): number[] {
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((count) => !Number.isInteger(count) || count < 1 || count > SPIN.maxCpus)) {
    throw new UsageError(`--vcpus needs a comma-separated list of vCPU counts from 1 to ${SPIN.maxCpus}, e.g. 1,2,4,8, not '${text}'`);
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}

function formatSeconds(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
}
