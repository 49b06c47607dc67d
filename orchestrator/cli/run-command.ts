import fs from 'node:fs';
import path from 'node:path';
import { campaignFileName, parseShard, readCampaign, shardGroups, writeCampaign } from '../campaign/campaign-file.js';
import { runsDir } from '../paths.js';
import { parseArgs } from 'node:util';
import { findBuild } from '../builds/build-registry.js';
import { setInterruptHandler } from '../machine/process-reaper.js';
import { type RunFiles, readRun, readRuns, setRunStatus } from '../results/run-store.js';
import { tornNotes } from '../results/record-writer.js';
import { type Plan, makePlan, shardOfPlan } from '../runner/plan.js';
import { readPlanFile } from '../runner/plan-file.js';
import { type RunOptions, runPlan } from '../runner/run-plan.js';
import { requireUserImage } from '../images/build-images.js';
import { type LoadedSuite, listSuites, loadSuite } from '../suites/load-suite.js';
import { runUnderKernel } from '../nested/kernel-run.js';
import { L1_CPUS } from '../nested/l1-machine.js';
import { cpuSlots } from '../machine/vcpu-pinning.js';
import type { Paging } from '../nested/l1-machine.js';
import { HOST_CONTEXT, type RunContext } from '../run-context.js';
import { prepareLinuxGuestFiles, resolveLinuxBoot } from '../kernels/guest-kernel.js';
import type { LinuxBoot } from '../runner/linux-guest.js';
import { nestedFallback } from '../nested/nested-fallback.js';
import { type LiveReporter, combineReporters } from '../reporters/reporter.js';
import { REPORTER_NAMES, type ReporterName, liveReporter } from '../reporters/registry.js';
import { DEFAULT_MATRIX, publishRuns } from './report-commands.js';
import { UsageError, positiveInt, positiveNumber } from './usage.js';
import { ensureBuilt } from '../setup/on-demand.js';
import { BuildProgressLine } from './build-command.js';

const buildLog = (line: string) => process.stderr.write(`slotlab: ${line}\n`);
const buildProgress = () => {
  const display = new BuildProgressLine();
  return (event: Parameters<BuildProgressLine['update']>[0]) => display.update(event);
};

export async function runCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      build: { type: 'string', multiple: true },
      repetitions: { type: 'string' },
      mutations: { type: 'string' },
      duration: { type: 'string' },
      cpus: { type: 'string' },
      json: { type: 'boolean', default: false },
      reporter: { type: 'string' },
      seed: { type: 'string' },
      resume: { type: 'string' },
      all: { type: 'boolean', default: false },
      image: { type: 'string' },
      kernel: { type: 'string' },
      paging: { type: 'string' },
      'until-lost': { type: 'boolean', default: false },
      start: { type: 'string' },
      /** A plan file (written for a run inside a kernel under test). */
      plan: { type: 'string' },
      campaign: { type: 'string' },
      shard: { type: 'string' },
      jobs: { type: 'string' },
    },
  });
  if (values.shard !== undefined && values.campaign === undefined) throw new UsageError('--shard i/N names a shard of a campaign: use it with --campaign FILE (see `slotlab plan`)');
  if (values.campaign !== undefined) {
    if (positionals.length > 0 || values.all || values.plan !== undefined || values.resume !== undefined || values.build || values.kernel || values.repetitions || values.mutations || values.duration || values.cpus || values.seed || values.image || values['until-lost'] || values.start || values.paging) {
      throw new UsageError('--campaign takes suites, builds, kernels and limits from its file: give only --shard i/N and a reporter with it');
    }
    return runCampaignShard(values.campaign, values.shard, chooseReporter(values.reporter, values.json), context, positiveInt('--jobs', values.jobs) ?? 1);
  }
  if (values.all) {
    if (positionals.length > 0 || values.resume !== undefined) throw new UsageError('--all runs every suite in suites/; name no suite and no --resume with it');
    let status = 0;
    for (const suite of listSuites()) status = Math.max(status, await runCommand([...args.filter((arg) => arg !== '--all'), suite], context));
    return status;
  }
  const reporter = chooseReporter(values.reporter, values.json);
  let plan: Plan;
  let resume: RunOptions['resume'];
  if (values.plan !== undefined) {
    if (positionals.length > 0 || values.resume !== undefined || values.build || values.repetitions || values.mutations || values.duration || values.cpus || values.seed || values.image || values['until-lost'] || values.start) {
      throw new UsageError('--plan takes the whole plan from its file: name no suite, builds or limits with it');
    }
    plan = readPlanFile(values.plan);
  } else if (values.resume !== undefined) {
    if (positionals.length > 0 || values.build || values.repetitions || values.mutations || values.duration || values.cpus || values.seed || values.image || values.kernel || values['until-lost'] || values.start) {
      throw new UsageError('--resume takes only the run id: the suite, builds and limits are those the run started with');
    }
    const stored = readRun(values.resume);
    // A torn record of an older writer, glued to the next line, is said here; a torn tail is said once, when the resume cuts it off.
    for (const note of tornNotes(stored.files.records, stored.torn.filter((entry) => entry.followedByRecord))) process.stderr.write(`slotlab: ${note}\n`);
    if (!stored.manifest) throw new UsageError(`run ${stored.files.runId} has no manifest (${stored.files.manifest}), so it cannot be resumed`);
    resume = { manifest: stored.manifest };
    const manifest = stored.manifest;
    plan = makePlan(loadSuite(manifest.suite.file), manifest.builds.map((build) => build.name), manifest.overrides, manifest.seed);
    if (manifest.campaign) plan = shardOfPlan(plan, manifest.campaign);
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
        cpus: positiveInt('--cpus', values.cpus),
        image: values.image === undefined ? undefined : requireUserImage(values.image),
        untilLost: values['until-lost'] || undefined,
        start: startOption(values.start),
      },
      values.seed === undefined ? undefined : integer('--seed', values.seed),
    );
  }
  return runPlanned(plan, { kernel: values.kernel, paging: pagingOption(values.paging, values.kernel), reporter, context, resume, jobs: positiveInt('--jobs', values.jobs) ?? 1 });
}

export interface PlannedRunOptions {
  /** The kernel under test to run inside (L1 under TCG); none: this host, or the nested fallback where its KVM cannot run the guest. */
  kernel?: string;
  paging: Paging;
  reporter: LiveReporter;
  context: RunContext;
  resume?: RunOptions['resume'];
  /** Iterations of different cells at once, vCPUs pinned (`--jobs`); default 1. */
  jobs?: number;
}

/**
 * A campaign's shard (or, without --shard, the whole campaign): one run per (suite, kernel)
 * group, each where `slotlab run` would run it. The campaign file is kept beside the runs,
 * where `slotlab merge` finds it.
 */
async function runCampaignShard(file: string, shardText: string | undefined, reporter: LiveReporter, context: RunContext, jobs: number): Promise<number> {
  const campaign = readCampaign(file);
  const shard = shardText === undefined ? 0 : parseShard(shardText, campaign);
  const groups = shardGroups(campaign, shard);
  writeCampaign(path.join(runsDir(), campaignFileName(campaign)), campaign);
  const what = shard === 0 ? 'the whole campaign' : `shard ${shard}/${campaign.shards}`;
  process.stderr.write(`slotlab: campaign ${campaign.id}, ${what}: ${groups.reduce((sum, group) => sum + group.plan.items.length, 0)} iterations in ${groups.length} run(s)\n`);
  let status = 0;
  for (const group of groups) status = Math.max(status, await runPlanned(group.plan, { kernel: group.kernel, paging: 'tdp', reporter, context, jobs }));
  return status;
}

/** Runs a plan where it belongs: inside the kernel under test named (or the one a resumed run ran in), on this host, or nested where this host's KVM cannot run its guest; its reporter hears runEnded either way. */
export async function runPlanned(plan: Plan, { kernel, paging: asked, reporter, context, resume, jobs = 1 }: PlannedRunOptions): Promise<number> {
  // A run made inside a kernel under test goes on inside that kernel (unless this is that kernel's job).
  const inKernelUnderTest = context.location.kind === 'kernel-under-test';
  const resumeInside = inKernelUnderTest ? undefined : resume?.manifest.host.kernelUnderTest?.name;
  if (resumeInside !== undefined) {
    const paging = resume!.manifest.host.kvm?.TDP === 0 ? 'shadow' : 'tdp';
    return runUnderKernelCommand(plan, resumeInside, reporter, paging, jobs, resume!.manifest.runId);
  }
  const paging = asked;
  const nested = kernel === undefined && resume === undefined && !inKernelUnderTest ? nestedFallback(plan.loaded.suite.guest.image) : undefined;
  // What setup left for later is built here, on the host: a kernel under test sees this cache read-only.
  if (!inKernelUnderTest) await ensureBuilt({ builds: plan.builds, kernels: [kernel ?? nested?.kernel].filter((name) => name !== undefined) }, buildLog, buildProgress());
  if (kernel !== undefined) return runUnderKernelCommand(plan, kernel, reporter, paging, jobs);
  if (nested) {
    process.stderr.write(`slotlab: ${nested.why}; running ${plan.loaded.suite.name} inside kernel ${nested.kernel} (nested, L1 under TCG)\n`);
    return runUnderKernelCommand(plan, nested.kernel, reporter, paging, jobs);
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
  const artifacts = await suiteArtifacts(plan.loaded);
  try {
    await runPlan(plan, { context, resume, jobs, linux: artifacts.linux, reporter: combineReporters({ runStarted: (start) => void (files = start.files) }, reporter) });
  } finally {
    artifacts.dispose();
  }
  return 0;
}

/** What a run needs besides its builds (a Linux guest's kernel and initramfs), fetched or built before it starts. */
export async function prepareSuiteArtifacts(loaded: LoadedSuite): Promise<void> {
  const { guest } = loaded.suite;
  if (guest.image === 'linux') await prepareLinuxGuestFiles(guest, (line) => process.stderr.write(`slotlab: ${line}\n`));
}

/** A run's artifacts, prepared and resolved for runPlan; `dispose` removes what was made for the run (the Linux guest's initrd). */
export interface SuiteArtifacts {
  linux?: LinuxBoot;
  dispose(): void;
}

export async function suiteArtifacts(loaded: LoadedSuite): Promise<SuiteArtifacts> {
  await prepareSuiteArtifacts(loaded);
  const { guest } = loaded.suite;
  if (guest.image !== 'linux') return { dispose: () => undefined };
  const linux = await resolveLinuxBoot(guest);
  return { linux, dispose: linux.dispose };
}

/** `--reporter NAME` (see reporters/registry.ts); `--json` is `--reporter json`. */
function chooseReporter(name: string | undefined, json: boolean): LiveReporter {
  if (name !== undefined && !(REPORTER_NAMES as string[]).includes(name)) throw new UsageError(`--reporter must be one of ${REPORTER_NAMES.join(', ')}, not '${name}'`);
  if (json && name !== undefined && name !== 'json') throw new UsageError(`--json is --reporter json; give one of them`);
  return liveReporter(json ? 'json' : ((name as ReporterName | undefined) ?? 'table'));
}

/** The plan run inside a kernel under test (L1 under TCG); L1's console streams to stderr. */
async function runUnderKernelCommand(plan: Plan, kernel: string, reporter: LiveReporter, paging: Paging, jobs: number, resume?: string): Promise<number> {
  // Refused here, before L1 boots, as it would be inside: L1's CPUs are the ones its guests' vCPUs are pinned to.
  if (jobs > 1) cpuSlots(jobs, plan.loaded.suite.machine.cpus, Array.from({ length: L1_CPUS }, (_, cpu) => cpu));
  // L1 sees this checkout read-only: what the guest boots is built here first.
  await prepareSuiteArtifacts(plan.loaded);
  const what = resume ? `the rest of run ${resume}` : `${plan.items.length} iterations of ${plan.loaded.suite.name}`;
  process.stderr.write(`slotlab: booting kernel ${kernel} as L1 (TCG, emulated SVM${paging === 'shadow' ? ', KVM on shadow paging' : ''}) for ${what}\n`);
  const output = await runUnderKernel({ plan, kernel, paging, resume, jobs, onLine: (line) => process.stderr.write(`L1| ${line}\n`) });
  const stored = readRun(output.runId);
  reporter.runEnded?.({ files: stored.files, manifest: stored.manifest, records: stored.records, kernel: { name: kernel, release: output.l1.release, listIoctl: output.l1.kvm.USER_MEMORY_REGION_LIST ?? 0 } });
  if (output.l1.jobExit === 0) return 0;
  process.stderr.write(`slotlab: the run inside kernel ${kernel} failed (exit ${output.l1.jobExit}; its error is in the L1| lines above); completed iterations were kept: slotlab run --resume ${output.runId}\n`);
  return 2;
}

/** The main job: pam-qmp (or, with --all, every suite) on the reference and source builds. */
export async function demoCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean', default: false } } });
  const builds = DEFAULT_MATRIX.builds.flatMap((build) => ['--build', build]);
  return runCommand(values.all ? ['--all', ...builds] : ['pam-qmp', ...builds], context);
}

/** `--start boot|restore`: how every iteration's guest starts, whatever the suite says. */
function startOption(value: string | undefined): 'boot' | 'restore' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'boot' && value !== 'restore') throw new UsageError(`--start must be boot (every iteration boots its guest) or restore (boot once, restore the saved state), not '${value}'`);
  return value;
}

function integer(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${flag} needs an integer, not '${value}'`);
  return number;
}

export async function publishCommand(args: string[], context: RunContext = HOST_CONTEXT): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repetitions: { type: 'string' },
      mutations: { type: 'string' },
      from: { type: 'string', multiple: true },
      into: { type: 'string' },
      as: { type: 'string' },
      layout: { type: 'string' },
      notes: { type: 'string' },
    },
  });
  if (values.layout !== undefined && values.layout !== 'cells' && values.layout !== 'grid') throw new UsageError(`--layout is cells (a row per suite and build) or grid (a row per build, a column per suite), not '${values.layout}'`);
  if ((values.layout || values.notes) && !values.from) throw new UsageError('--layout and --notes shape a table of stored runs: use them with --from');
  const notes = values.notes === undefined ? undefined : readNotes(values.notes);
  if (values.from) {
    if (values.repetitions || values.mutations) throw new UsageError('--from publishes stored runs as they are; --repetitions and --mutations apply to new runs only');
    const stored = [...values.from, ...positionals].flatMap((run) => readRuns(run));
    if (values.as !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values.as)) throw new UsageError(`--as needs a file stem of lower-case letters, digits and dashes, not '${values.as}'`);
    for (const file of publishRuns(stored, values.into, values.as, { layout: values.layout as 'cells' | 'grid' | undefined, notes })) process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('publish takes run ids only after --from');
  const repetitions = positiveInt('--repetitions', values.repetitions);
  const mutations = positiveInt('--mutations', values.mutations);
  const runs = [];
  for (const suite of DEFAULT_MATRIX.suites) {
    const loaded = loadSuite(suite);
    const plan = makePlan(loaded, [...DEFAULT_MATRIX.builds], { repetitions, mutations: loaded.suite.mutator.kind === 'none' ? undefined : mutations });
    const artifacts = await suiteArtifacts(plan.loaded);
    try {
      const output = await runPlan(plan, { context, linux: artifacts.linux, reporter: liveReporter('progress') });
      runs.push(readRun(output.file));
    } finally {
      artifacts.dispose();
    }
  }
  for (const file of publishRuns(runs, values.into)) process.stdout.write(`wrote ${file}\n`);
  return 0;
}

/** A notes file's text (paragraphs that go under a published table). */
export function readNotes(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--notes ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; give a text file whose paragraphs go under the table`);
  }
}

/** --paging tdp|shadow: how the kernel under test's KVM maps guest memory; only for runs inside one. */
function pagingOption(value: string | undefined, kernel: string | undefined): Paging {
  if (value === undefined) return 'tdp';
  if (value !== 'tdp' && value !== 'shadow') throw new UsageError(`--paging is tdp (npt/ept, the default) or shadow (kvm_amd.npt=0), not '${value}'`);
  if (kernel === undefined) throw new UsageError("--paging chooses how a kernel under test's KVM pages its guests: use it with --kernel");
  return value;
}
