import { writeFlight } from '../results/flight-files.js';
import crypto from 'node:crypto';
import type { ResolvedBuild } from '../builds/build-types.js';
import { resolveBuild } from '../builds/build-registry.js';
import { SlotlabError } from '../errors.js';
import { requireImage, requireUserImage } from '../images/build-images.js';
import { assertKvmUsable } from '../machine/machine.js';
import type { IterationRecord } from '../results/record.js';
import { RecordFileExistsError, RecordWriter, readRecordFile } from '../results/record-writer.js';
import { type RunLock, acquireRunLock } from '../results/run-lock.js';
import type { LiveReporter } from '../reporters/reporter.js';
import type { RunManifest } from '../results/run-manifest.js';
import { MANIFEST_SCHEMA } from '../results/run-manifest.js';
import { slotlabIdentity } from '../results/slotlab-identity.js';
import { type RunFiles, runFiles, writeManifest } from '../results/run-store.js';
import type { RunContext } from '../run-context.js';
import { mutatorPlugin } from '../mutators/registry.js';
import { statesDir } from '../paths.js';
import type { GuestStart } from './guest-driver.js';
import { GuestStates } from './guest-states.js';
import { hostInfo } from './host-info.js';
import type { Plan } from './plan.js';
import { IterationAbort, attemptIteration } from './run-iteration.js';
import { untilLostDone } from './stop-rules.js';
import { runPooled } from './job-pool.js';
import { cpuSlots } from '../machine/vcpu-pinning.js';
import { type LinuxBoot, LinuxGuestHostError, kvmWithoutLinuxGuests } from './linux-guest.js';

export interface RunOutput {
  runId: string;
  file: string;
  /** Every record of the run, including those of earlier sessions when resuming. */
  records: IterationRecord[];
}

export interface RunOptions {
  /** The run's waits and where it executes (default: this host, default waits). */
  context?: RunContext;
  /** Hears the run as it happens (reporters/). */
  reporter?: LiveReporter;
  /** Continue this run: its manifest (its records are read again under the run's lock). */
  resume?: { manifest: RunManifest };
  /** Ends the run early (status complete) once it returns true for the records so far, e.g. a sequential test. */
  stopWhen?: (records: readonly IterationRecord[]) => boolean;
  /** Where the host's loaded kernel modules are listed (default /sys/module): tells a KVM that cannot boot Linux guests. */
  sysModuleDir?: string;
  /** A Linux guest's files, resolved by the caller before the run (kernels/guest-kernel.ts); suites with guest.image linux need them. */
  linux?: LinuxBoot;
  /** Where saved guest states are kept (default: paths.ts statesDir()). */
  statesDir?: string;
  /** Builds resolved by the caller (e.g. a bisected commit's) instead of looked up by name in the registry. */
  builds?: readonly ResolvedBuild[];
  /** Iterations of different cells at once, each guest's vCPUs pinned to CPUs of their own (`run --jobs`); default 1. */
  jobs?: number;
}

/** Boots of one iteration before a guest lost while booting each time is recorded as an error (GUEST_BOOT_LOST). */
export const BOOT_ATTEMPTS = 3;

export class ResumeMismatchError extends SlotlabError {
  constructor(detail: string) {
    super('RESUME_MISMATCH', `cannot resume: ${detail}; start a new run instead`);
  }
}

export function newRunId(suite: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${suite}-${crypto.randomBytes(2).toString('hex')}`;
}

export function itemKey(build: string, iteration: number): string {
  return `${build}#${iteration}`;
}

/**
 * Executes a plan item by item, appending each record to the run's JSONL file as
 * soon as it exists; the manifest says what the run is and whether it finished.
 */
export async function runPlan(plan: Plan, options: RunOptions = {}): Promise<RunOutput> {
  const { suite } = plan.loaded;
  if (suite.guest.image !== 'spin' && plan.overrides.image !== undefined) {
    throw new SlotlabError('BAD_IMAGE', `--image replaces the spin image; suite ${suite.name} boots ${suite.guest.image === 'linux' ? 'a Linux guest' : 'the firmware alone'}`);
  }
  assertKvmUsable();
  const module = suite.guest.image === 'linux' ? kvmWithoutLinuxGuests(options.sysModuleDir) : undefined;
  if (module) throw new LinuxGuestHostError(suite.name, module);
  const image = plan.overrides.image !== undefined ? requireUserImage(plan.overrides.image) : suite.guest.image === 'spin' ? requireImage('spin') : '';
  if (suite.guest.image === 'linux' && !options.linux) {
    throw new SlotlabError('LINUX_GUEST_FAILED', `suite ${suite.name} boots kernel ${suite.guest.kernel} as its guest, whose files were not resolved before the run; pass them as the run's \`linux\` option (kernels/guest-kernel.ts resolveLinuxBoot), or run the suite through \`slotlab run\``);
  }
  return runItems(plan, options, image, suite.guest.image === 'linux' ? options.linux : undefined);
}

async function runItems(plan: Plan, options: RunOptions, image: string, linux: LinuxBoot | undefined): Promise<RunOutput> {
  // Refused before anything starts: more vCPUs than CPUs to pin them to.
  const slots = (options.jobs ?? 1) > 1 ? cpuSlots(options.jobs!, plan.loaded.suite.machine.cpus) : undefined;
  const builds = new Map<string, ResolvedBuild>();
  for (const name of plan.builds) builds.set(name, options.builds?.find((build) => build.name === name) ?? (await resolveBuild(name)));
  const host = hostInfo(options.context);
  if (options.resume) checkResumable(options.resume.manifest, plan, builds);
  const { files, writer, lock } = openRun(plan, options);
  const runId = files.runId;
  try {
    if (lock.tookOverFrom) options.reporter?.notice?.(`run ${runId}: took over the lock of process ${lock.tookOverFrom.pid}, which no longer runs`);
    // Read again under the lock: what another process appended before it let go counts as done.
    const previous = options.resume ? readRecordFile(files.records).records : [];
    const tornTails = [...(options.resume?.manifest.tornTails ?? []), ...(writer.tornTail ? [writer.tornTail] : [])];
    if (writer.tornTail) options.reporter?.notice?.(`${files.records}: cut off a torn last line (${writer.tornTail.bytes} bytes of an interrupted write) before appending; kept in ${writer.tornTail.savedTo}`);
    const manifest: RunManifest = options.resume
      ? { ...options.resume.manifest, status: 'running', endedAt: null, ...(tornTails.length ? { tornTails } : {}) }
      : {
          schema: MANIFEST_SCHEMA,
          runId,
          suite: { name: plan.loaded.suite.name, file: plan.loaded.file, sha256: plan.loaded.sha256 },
          expect: plan.loaded.suite.expect,
          safeBelow: plan.loaded.suite.safeBelow,
          builds: [...builds.values()].map((build) => build.provenance),
          host,
          seed: plan.seed,
          overrides: plan.overrides,
          iterations: plan.items.length,
          startedAt: new Date().toISOString(),
          endedAt: null,
          status: 'running',
          ...(plan.campaign ? { campaign: plan.campaign } : {}),
          slotlab: slotlabIdentity(),
        };
    writeManifest(files, manifest);
    return await runRemaining(plan, options, { image, linux, builds, host, files, writer, manifest, previous, slots });
  } finally {
    writer.close();
    lock.release();
  }
}

interface OpenRun {
  image: string;
  linux: LinuxBoot | undefined;
  builds: Map<string, ResolvedBuild>;
  host: IterationRecord['host'];
  files: RunFiles;
  writer: RecordWriter;
  manifest: RunManifest;
  previous: IterationRecord[];
  /** `run --jobs`: one CPU set per concurrent iteration. */
  slots: number[][] | undefined;
}

/** A resumed run's files under its lock, or a new run's, created exclusively (a clashing id is drawn again). */
function openRun(plan: Plan, options: RunOptions): { files: RunFiles; writer: RecordWriter; lock: RunLock } {
  if (options.resume) {
    const files = runFiles(options.resume.manifest.runId);
    const lock = acquireRunLock(files);
    try {
      return { files, writer: new RecordWriter(files.records), lock };
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  for (let attempt = 0; ; attempt++) {
    const files = runFiles(newRunId(plan.loaded.suite.name));
    let writer: RecordWriter;
    try {
      writer = new RecordWriter(files.records, { exclusive: true });
    } catch (error) {
      if (error instanceof RecordFileExistsError && attempt < 20) continue;
      throw error;
    }
    try {
      return { files, writer, lock: acquireRunLock(files) };
    } catch (error) {
      writer.close();
      throw error;
    }
  }
}

async function runRemaining(plan: Plan, options: RunOptions, run: OpenRun): Promise<RunOutput> {
  const { image, linux, builds, host, files, writer, manifest, previous, slots } = run;
  const runId = files.runId;
  const start = guestStart(plan, options);
  const done = new Set(previous.map((record) => itemKey(record.build.name, record.iteration)));
  const remaining = plan.items.filter((item) => !done.has(itemKey(item.build, item.iteration)));
  options.reporter?.runStarted?.({ files, suite: plan.loaded.suite.name, items: plan.items, remaining, previous });
  const records = [...previous];
  let status: RunManifest['status'] = 'failed';
  let final: RunManifest;
  /** One item, recorded; true when the run should start no more. */
  const runItem = async (item: Plan['items'][number], cpus?: readonly number[]): Promise<boolean> => {
    const input = { runId, loaded: plan.loaded, build: builds.get(item.build)!, image, userImage: plan.overrides.image !== undefined, linux, iteration: item.iteration, seed: item.seed, limits: item.limits, host, timeouts: options.context?.timeouts, start, ...(cpus ? { cpus } : {}) };
    let attempt = await attemptIteration(input);
    // A guest lost before any mutation says nothing about the race: boot it again, and say how often that took.
    let retries = 0;
    while (attempt.failure?.kind === 'guest-boot-lost' && retries + 1 < BOOT_ATTEMPTS) {
      retries += 1;
      options.reporter?.bootRetry?.(attempt.record, retries + 1, BOOT_ATTEMPTS);
      attempt = await attemptIteration(input);
    }
    const flight = writeFlight(files, item.build, item.iteration, attempt.flight);
    const record = { ...attempt.record, ...(retries > 0 ? { bootRetries: retries } : {}), flight };
    writer.append(record);
    // The build cannot even start: the attempt is kept, and the run stops.
    if (attempt.failure?.kind === 'qemu-start') throw new IterationAbort(record);
    records.push(record);
    options.reporter?.iteration?.(record, records.length, plan.items.length);
    return Boolean(options.stopWhen?.(records) || (plan.overrides.untilLost && untilLostDone(records)));
  };
  try {
    if (slots) await runPooled(remaining, slots, runItem);
    else for (const item of remaining) if (await runItem(item)) break;
    status = 'complete';
  } finally {
    final = { ...manifest, status, endedAt: new Date().toISOString() };
    writeManifest(files, final);
  }
  options.reporter?.runEnded?.({ files, manifest: final, records });
  return { runId, file: files.records, records };
}

/** Restore where the suite (or --start) asks for it and its guest allows it: slotlab's own images, a mutator that starts after boot. */
export function guestStart(plan: Plan, options: Pick<RunOptions, 'statesDir'> = {}): GuestStart {
  const { suite } = plan.loaded;
  const mode = plan.overrides.start ?? suite.start;
  const restorable = plan.overrides.image === undefined && !mutatorPlugin(suite.mutator).startsAtBoot;
  if (mode === 'boot' || !restorable) return { mode: 'boot' };
  return { mode: 'restore', states: new GuestStates(options.statesDir ?? statesDir()) };
}

function checkResumable(manifest: RunManifest, plan: Plan, builds: Map<string, ResolvedBuild>): void {
  if (manifest.suite.sha256 !== plan.loaded.sha256) {
    throw new ResumeMismatchError(`${plan.loaded.file} changed since run ${manifest.runId} started`);
  }
  for (const recorded of manifest.builds) {
    const now = builds.get(recorded.name);
    if (now && now.provenance.sha256 !== recorded.sha256) {
      throw new ResumeMismatchError(`build ${recorded.name} is not the binary the run started with (sha256 ${recorded.sha256.slice(0, 12)}…, now ${now.provenance.sha256.slice(0, 12)}…)`);
    }
  }
}
