import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError } from '../errors.js';
import { stderrExcerpt } from '../machine/internal-error.js';
import { commitCostOf } from '../results/commit-trace.js';
import { summarizeLatency } from '../results/latency.js';
import { stallsBetween } from '../results/stall-summary.js';
import { histogramOf } from '../results/latency-histogram.js';
import type { FlightData } from '../results/flight-files.js';
import { type IterationRecord, RECORD_SCHEMA } from '../results/record.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import { type Classification, classifyIteration } from './classify-iteration.js';
import { expectationFor, qemuWarnings } from './expectation.js';
import { cellFamily } from '../results/cell-family.js';
import type { GuestDriver, GuestStart } from './guest-driver.js';
import { firmwareGuest } from './firmware-guest.js';
import { type LinuxBoot, linuxGuest } from './linux-guest.js';
import { type HarnessFailure, type Observation, observeIteration } from './observe-iteration.js';
import { spinGuest } from './spin-guest.js';

export interface IterationInput {
  runId: string;
  loaded: LoadedSuite;
  build: ResolvedBuild;
  image: string;
  /** A user's image: it may ignore the spin contract (no banner, no mailbox). */
  userImage?: boolean;
  /** A Linux guest's kernel and initramfs (suites with guest.image linux). */
  linux?: LinuxBoot;
  iteration: number;
  seed: number;
  limits: { mutations: number; durationSeconds: number };
  host: IterationRecord['host'];
  /** The run context's waits (default: a run on this host). */
  timeouts?: Timeouts;
  /** How the guest starts (default: booted). */
  start?: GuestStart;
  /** CPUs of its own for each vCPU (`run --jobs`): vCPU i pinned to cpus[i]; absent: not pinned. */
  cpus?: readonly number[];
}

export interface IterationResult {
  record: IterationRecord;
  /** What the run writes beside the record (writeFlight). */
  flight: FlightData;
  /** Set when the harness could not run the iteration; its kind says what the run does next. */
  failure: HarnessFailure | undefined;
}

/** One guest boot: boot -> mutate -> classify -> record. Never leaves QEMU behind. */
export async function attemptIteration(input: IterationInput): Promise<IterationResult> {
  const { suite } = input.loaded;
  const observation = await observeIteration(guestDriver(input), { mutator: suite.mutator, limits: input.limits, seed: input.seed, timeouts: input.timeouts ?? HOST_CONTEXT.timeouts });
  return { record: iterationRecord(input, observation, classifyIteration(observation)), flight: observation.flight, failure: observation.harness };
}

/** attemptIteration's record; a QEMU that could not start throws IterationAbort, carrying the record of the attempt. */
export async function runIteration(input: IterationInput): Promise<IterationRecord> {
  const { record, failure } = await attemptIteration(input);
  if (failure?.kind === 'qemu-start') throw new IterationAbort(record);
  return record;
}

/** The record of one iteration, from what was observed and how it was classified. */
export function iterationRecord(input: IterationInput, observation: Observation, classification: Classification): IterationRecord {
  const { suite } = input.loaded;
  const { tally, before, after, progress, loss, harness } = observation;
  const { outcome, progress: judged } = classification;
  const family = cellFamily(input.build.provenance.family, input.host.kvm, input.build.provenance.version);
  return {
    schema: RECORD_SCHEMA,
    runId: input.runId,
    suite: { name: suite.name, file: input.loaded.file, sha256: input.loaded.sha256 },
    build: input.build.provenance,
    family,
    expected: expectationFor(suite.expect, family),
    host: input.host,
    vcpus: suite.machine.cpus,
    iteration: input.iteration,
    seed: input.seed,
    startedAt: observation.startedAt.toISOString(),
    durationMs: observation.durationMs,
    outcome,
    stopReason: classification.stopReason,
    limits: input.limits,
    mutationsAttempted: tally.attempted,
    mutationsApplied: tally.applied,
    ...(observation.startUpMs === undefined ? {} : { startUpMs: observation.startUpMs }),
    ...(observation.start.phases ? { startPhases: observation.start.phases } : {}),
    mutationPhaseMs: Math.round(classification.mutationPhaseMs),
    timeToFailureMs: classification.timeToFailureMs,
    failure: observation.failure,
    ...(observation.livelock && outcome === 'livelock' ? { livelock: observation.livelock } : {}),
    progressBefore: before.map(String),
    progressAfter: after.map(String),
    progressRising: judged === 'advancing',
    progressKnown: outcome === 'survived' ? judged !== 'unknown' : observation.progressKnown,
    ...(outcome === 'survived' || outcome === 'stalled' || outcome === 'livelock' ? { progress: judged, ...(progress ? { progressSpanMs: progress.spanMs } : {}) } : {}),
    progressPerSecond: progressRate(before, after, classification.mutationPhaseMs, loss === undefined),
    latency: summarizeLatency(tally.latenciesUs),
    latencyHistogram: histogramOf(tally.latenciesUs),
    guestCost: observation.guestCost ?? null,
    ...optional('commitCost', commitCostOf(observation.trace)),
    ...optional('load', observation.load),
    ...optional('stalls', observation.stalls?.after && stallsBetween(observation.stalls.before, observation.stalls.after)),
    stderrExcerpt: stderrExcerpt(observation.output),
    ...(observation.serial === undefined ? {} : { serialExcerpt: observation.serial }),
    qemuWarnings: qemuWarnings(observation.output),
    shutdown: { how: observation.shutdown.how, durationMs: observation.shutdown.durationMs },
    ...(observation.qmpNotes.length > 0 ? { qmpNotes: observation.qmpNotes } : {}),
    start: observation.start.how,
    ...(observation.start.note ? { startNote: observation.start.note } : {}),
    error: harness ? { code: harness.code, message: harness.message } : null,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [key in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [key in K]?: V };
}

/** The guest the suite runs: spin (or the user's --image) or Linux. */
function guestDriver(input: IterationInput): GuestDriver {
  const { suite } = input.loaded;
  const timeouts = input.timeouts ?? HOST_CONTEXT.timeouts;
  if (suite.guest.image === 'spin') return spinGuest(input.build, suite, suite.guest, input.image, input.userImage ?? false, input.limits.mutations, timeouts, input.start, input.cpus);
  if (suite.guest.image === 'firmware') return firmwareGuest(input.build, suite, suite.guest, timeouts, input.cpus);
  if (!input.linux) throw new SlotlabError('LINUX_GUEST_FAILED', `suite ${suite.name} boots a Linux guest, but its kernel and initramfs were not resolved; run it through \`slotlab run\``);
  return linuxGuest(input.build, suite, suite.guest, input.linux, timeouts, input.start, input.cpus);
}

/** Loop iterations per second of all vCPUs together while mutations ran; only for guests that kept running. */
function progressRate(before: bigint[], after: bigint[], phaseMs: number, running: boolean): number | null {
  if (!running || phaseMs <= 0 || after.length === 0 || after.length !== before.length) return null;
  const advanced = after.reduce((sum, value, index) => sum + (value - before[index]!), 0n);
  return Math.round(Number(advanced) / (phaseMs / 1000));
}

/** The build cannot even start: carries the record of the attempt so it is kept, then stops the run. */
export class IterationAbort extends SlotlabError {
  constructor(readonly record: IterationRecord) {
    super('QEMU_START_FAILED', record.error!.message);
  }
}
