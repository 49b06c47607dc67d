import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { BUILD_FAMILIES, type BuildFamily } from '../builds/build-types.js';
import { readSeries } from '../builds/patch-series.js';
import { BisectLog } from '../bisect/bisect-log.js';
import { notesReporter } from '../reporters/notes-reporter.js';
import { HOST_CONTEXT, type RunContext } from '../run-context.js';
import { type SuiteArtifacts, prepareSuiteArtifacts, suiteArtifacts } from './run-command.js';
import { type ProvenancedSubject, type SuiteSettings, kernelList, kernelRevisionSubject, kernelSubject, qemuRevisionSubject } from '../bisect/bisect-subjects.js';
import { BISECT_TERMS, type BisectCandidate, type BisectTerms, type Evidence, type FlakyBisectResult, flakyBisect } from '../bisect/flaky-bisect.js';
import { type Revision, firstParentRange, isAncestor, resolveRevision } from '../bisect/git-revisions.js';
import { errorMessage } from '../errors.js';
import { findKernel } from '../kernels/kernel-registry.js';
import { ensurePackages } from '../setup/system-packages.js';
import { loadSuite } from '../suites/load-suite.js';
import { BuildProgressLine } from './build-command.js';
import { UsageError, positiveInt } from './usage.js';

const OPTIONS = {
  suite: { type: 'string' },
  src: { type: 'string' },
  good: { type: 'string' },
  bad: { type: 'string' },
  patches: { type: 'string' },
  family: { type: 'string' },
  terms: { type: 'string' },
  alpha: { type: 'string' },
  calibrate: { type: 'string' },
  mutations: { type: 'string' },
  kernels: { type: 'string' },
  'kernel-src': { type: 'string' },
  make: { type: 'string' },
  build: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];

function terms(value: string | undefined): BisectTerms | undefined {
  if (value === undefined) return undefined;
  if (!(BISECT_TERMS as readonly string[]).includes(value)) throw new UsageError(`--terms must be ${BISECT_TERMS.join(' or ')}, not '${value}'`);
  return value as BisectTerms;
}

function alpha(value: string | undefined): number {
  if (value === undefined) return 0.01;
  const number = Number(value);
  if (!(number > 0 && number < 0.5)) throw new UsageError(`--alpha needs a probability between 0 and 0.5, not '${value}'`);
  return number;
}

function reject(values: Values, flags: (keyof Values)[], why: string): void {
  const given = flags.filter((flag) => values[flag] !== undefined);
  if (given.length > 0) throw new UsageError(`${given.map((flag) => `--${flag}`).join(', ')}: ${why}`);
}

/**
 * `--good` is the end without the race, `--bad` the end with it; which is
 * older decides whether the fix or the introduction is sought.
 */
async function gitEnds(src: string, values: Values): Promise<{ revisions: Revision[]; terms: BisectTerms }> {
  if (!values.good || !values.bad) throw new UsageError('bisecting a git tree needs --good <rev> (no race there) and --bad <rev> (the race is there)');
  const [good, bad] = [await resolveRevision(src, values.good), await resolveRevision(src, values.bad)];
  const fixed = await isAncestor(src, bad, good);
  const found: BisectTerms = fixed ? 'fixed' : 'introduced';
  const asked = terms(values.terms);
  if (asked && asked !== found) {
    throw new UsageError(`--terms ${asked} contradicts the ends: --bad ${values.bad} is ${fixed ? 'older' : 'newer'} than --good ${values.good}, so this looks for the commit that ${fixed ? 'fixed' : 'introduced'} the race`);
  }
  const revisions = fixed ? await firstParentRange(src, bad, good) : await firstParentRange(src, good, bad);
  return { revisions, terms: found };
}

function describe(evidence: Evidence): string {
  const counts = evidence.reason ? evidence.reason.split('\n')[0] : `${evidence.iterations} iterations: ${evidence.losses} lost, ${evidence.clean} clean, ${evidence.errors} failed to run`;
  return `${evidence.role.padEnd(11)} ${evidence.verdict.padEnd(4)}  ${evidence.candidate.label}\n              ${counts}${evidence.runId ? `; run ${evidence.runId}` : ''}`;
}

function summary(result: FlakyBisectResult, kind: string, candidates: readonly BisectCandidate[]): string {
  const lines = [
    `race probability planned with: ${result.raceProbability.toFixed(3)} per iteration (low end of the racy end's 95% interval); safe = ${result.cleanNeeded} clean iterations`,
    '',
    'evidence per tested version (oldest first):',
  ];
  const order = new Map(candidates.map((candidate, index) => [candidate.id, index]));
  const tested = [...result.evidence].sort((a, b) => (order.get(a.candidate.id) ?? 0) - (order.get(b.candidate.id) ?? 0));
  for (const evidence of tested) lines.push(`  ${describe(evidence)}`);
  lines.push('');
  const what = result.terms === 'fixed' ? `first ${kind} without the race` : `first ${kind} with the race`;
  if (result.first) lines.push(`${what}: ${result.first.label}`);
  else lines.push(`${what}: one of these (the others between them could not be tested):`, ...result.candidates.map((candidate) => `  ${candidate.label}`));
  return lines.join('\n') + '\n';
}

/** `slotlab bisect qemu|kernel ...`: a bisection whose test is the suite's sequential verdict. */
export async function bisectCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
  const [target, ...rest] = args;
  if (target !== 'qemu' && target !== 'kernel') throw new UsageError('bisect needs qemu or kernel: bisect qemu --src DIR --good REV --bad REV --suite S, or bisect kernel --kernels LIST|DIR --build B --suite S');
  const { values } = parseArgs({ args: rest, options: OPTIONS });
  const log = (line: string) => process.stderr.write(`slotlab bisect: ${line}\n`);
  if (!values.suite) throw new UsageError('bisect needs --suite <suite>');
  await ensurePackages(['git'], log);
  // Each tested version's run says only what goes wrong (boot retries, notices): the bisection prints its own steps.
  const settings: SuiteSettings = { loaded: loadSuite(values.suite), mutations: positiveInt('--mutations', values.mutations), reporter: notesReporter(), context };
  await prepareSuiteArtifacts(settings.loaded);
  const calibrate = positiveInt('--calibrate', values.calibrate) ?? 10;
  const options = { alpha: alpha(values.alpha), calibrate };
  const progress = new BuildProgressLine();
  const l1Line = (line: string) => process.stderr.write(`L1| ${line}\n`);
  let subject: ProvenancedSubject;
  let bisectTerms: BisectTerms | undefined;
  let describeSubject: Record<string, unknown>;
  let kind: string;
  let artifacts: SuiteArtifacts | undefined;
  if (target === 'qemu') {
    reject(values, ['kernels', 'kernel-src', 'make', 'build'], 'bisect qemu builds each commit of --src; these belong to bisect kernel');
    if (!values.src) throw new UsageError('bisect qemu needs --src <QEMU git tree>');
    const family = (values.family ?? 'stock') as BuildFamily;
    if (!(BUILD_FAMILIES as readonly string[]).includes(family)) throw new UsageError(`--family must be one of ${BUILD_FAMILIES.join(', ')}, not '${family}'`);
    const ends = await gitEnds(values.src, values);
    bisectTerms = ends.terms;
    const tree = { src: values.src, name: 'bisect', family, patches: values.patches ? readSeries(values.patches) : [] };
    // Each commit runs on this host: the guest's files are resolved once for all of them.
    artifacts = await suiteArtifacts(settings.loaded);
    settings.linux = artifacts.linux;
    subject = qemuRevisionSubject(tree, ends.revisions, settings, log, (event) => progress.update(event));
    describeSubject = { src: values.src, good: values.good, bad: values.bad, commits: ends.revisions.length, patches: tree.patches.map(({ name, sha256 }) => ({ name, sha256 })) };
    kind = 'commit';
  } else {
    reject(values, ['src', 'patches', 'family'], 'bisect kernel runs one --build under every kernel');
    if (!values.build) throw new UsageError('bisect kernel needs --build <QEMU build> to run under every kernel');
    findBuild(values.build);
    if (values.kernels !== undefined) {
      reject(values, ['kernel-src', 'make', 'good', 'bad'], '--kernels gives the whole line of kernels');
      const kernels = kernelList(values.kernels);
      for (const kernel of kernels) findKernel(kernel.id);
      bisectTerms = terms(values.terms);
      subject = kernelSubject(kernels, values.build, settings, l1Line);
      describeSubject = { build: values.build, kernels: kernels.map((kernel) => kernel.id) };
      kind = 'kernel';
    } else {
      if (!values['kernel-src'] || !values.make) throw new UsageError('bisect kernel needs --kernels LIST|DIR, or --kernel-src DIR --make CMD --good REV --bad REV');
      const ends = await gitEnds(values['kernel-src'], values);
      bisectTerms = ends.terms;
      subject = kernelRevisionSubject({ src: values['kernel-src'], command: values.make }, ends.revisions, values.build, settings, log, l1Line);
      describeSubject = { build: values.build, src: values['kernel-src'], make: values.make, good: values.good, bad: values.bad, commits: ends.revisions.length };
      kind = 'commit';
    }
  }
  const record = new BisectLog({ kind: target, suite: settings.loaded.suite.name, subject: describeSubject, terms: bisectTerms, ...options, mutations: settings.mutations });
  log(`${subject.candidates.length} versions; steps are recorded in ${record.file}`);
  try {
    const result = await flakyBisect(subject, {
      ...options,
      terms: bisectTerms,
      onEvidence: (evidence) => {
        record.step(evidence, subject.provenance(evidence.candidate));
        log(describe(evidence));
      },
    });
    record.result(result);
    process.stdout.write(summary(result, kind, subject.candidates) + `steps: ${record.file}\n`);
    return result.first ? 0 : 1;
  } catch (error) {
    record.failed(errorMessage(error));
    throw error;
  } finally {
    artifacts?.dispose();
  }
}
