import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { findFailingVcpu, parseInternalError, stderrExcerpt } from '../machine/internal-error.js';
import { type ShutdownResult, settlesWithin, sleep } from '../machine/machine.js';
import type { GuestLoss } from '../machine/run-state-watch.js';
import { QmpDisconnectedError } from '../qmp/qmp-errors.js';
import { summarizeLatency } from '../results/latency.js';
import { histogramOf } from '../results/latency-histogram.js';
import { type FailureDetail, type IterationRecord, type Outcome, RECORD_SCHEMA } from '../results/record.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import { expectationFor, qemuWarnings } from './expectation.js';
import type { GuestCost } from '../mutators/mutator.js';
import { newTally } from '../mutators/mutation-loop.js';
import { mutatorPlugin } from '../mutators/registry.js';
import { ProgressWatch } from './progress-watch.js';
import type { GuestDriver } from './guest-driver.js';
import { type LinuxBoot, linuxGuest } from './linux-guest.js';
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
}

/** One guest boot: launch, wait for every vCPU, mutate, classify, shut down. Never leaves QEMU behind. */
export async function runIteration(input: IterationInput): Promise<IterationRecord> {
  const { suite } = input.loaded;
  const guest = guestDriver(input);
  const machine = guest.machine;
  const startedAt = new Date();
  const started = performance.now();
  const mutation = newTally();
  let before: bigint[] = [];
  let after: bigint[] = [];
  let progress: ProgressWatch | undefined;
  let loss: GuestLoss | undefined;
  let failure: FailureDetail | null = null;
  let error: IterationRecord['error'] = null;
  let guestCost: GuestCost | undefined;
  let progressKnown = true;
  let serial: string | undefined;
  let shutdown: ShutdownResult | undefined;

  try {
    progressKnown = await guest.boot();
    before = await guest.readCounters();
    const watch = (progress = new ProgressWatch(before));
    const runState = machine.watchRunState();
    // A guest that says it hung is lost although QEMU still runs it.
    const lost = () => {
      if (!runState.loss && guest.hung?.()) runState.markHung();
      return runState.loss !== undefined;
    };
    try {
      const limits = { mutations: input.limits.mutations, durationMs: input.limits.durationSeconds * 1000 };
      const hooks = {
        lost,
        checkpoint: async () => {
          if ((await runState.check()) || lost()) return false;
          watch.observe(await guest.readCounters());
          return true;
        },
      };
      const outcome = await mutatorPlugin(suite.mutator).run(suite.mutator, { qmp: machine.qmp, limits, hooks, tally: mutation, seed: input.seed, readMailbox: guest.readMailbox });
      guestCost = outcome.guestCost;
    } catch (caught) {
      // A QMP failure because QEMU went away is the loss itself, not a harness error.
      if (caught instanceof QmpDisconnectedError) await settlesWithin(machine.waitExit(), 2000);
      if (!machine.exited && !(await runState.check()) && !lost()) throw caught;
    }
    await runState.check();
    const lostNow = lost();
    if (!machine.exited && progressKnown) {
      after = await guest.readCounters(true);
      if (!lostNow) watch.observe(after);
    }
    loss = await runState.settled();
    runState.stop();
    if (loss) failure = await describeFailure(guest, loss);
  } catch (caught) {
    error = { code: caught instanceof SlotlabError ? caught.code : 'UNEXPECTED', message: errorMessage(caught) };
    if (!(caught instanceof SlotlabError)) error.message = (caught as Error).stack ?? error.message;
  } finally {
    serial = guest.serialExcerpt?.();
    shutdown = await machine.shutdown();
  }

  const judged = progressKnown && progress ? progress.verdict : 'unknown';
  const progressRising = judged === 'advancing';
  const mutationPhaseMs = mutation.endedAtMs === undefined ? 0 : (loss?.atMs ?? mutation.endedAtMs) - mutation.startedAtMs;
  const outcome: Outcome = error ? 'error' : loss ? 'guest-lost' : judged === 'stalled' ? 'stalled' : 'survived';
  const record: IterationRecord = {
    schema: RECORD_SCHEMA,
    runId: input.runId,
    suite: { name: suite.name, file: input.loaded.file, sha256: input.loaded.sha256 },
    build: input.build.provenance,
    expected: expectationFor(suite.expect, input.build.provenance.family, input.host),
    host: input.host,
    iteration: input.iteration,
    seed: input.seed,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    outcome,
    stopReason: error ? 'error' : loss ? loss.reason : (mutation.stoppedBy ?? 'error'),
    limits: input.limits,
    mutationsAttempted: mutation.attempted,
    mutationsApplied: mutation.applied,
    mutationPhaseMs: Math.max(0, Math.round(mutationPhaseMs)),
    timeToFailureMs: loss && mutation.attempted > 0 ? Math.round(loss.atMs - mutation.startedAtMs) : null,
    failure,
    progressBefore: before.map(String),
    progressAfter: after.map(String),
    progressRising,
    progressKnown: outcome === 'survived' ? judged !== 'unknown' : progressKnown,
    ...(outcome === 'survived' || outcome === 'stalled' ? { progress: judged, ...(progress ? { progressSpanMs: progress.spanMs } : {}) } : {}),
    progressPerSecond: progressRate(before, after, mutationPhaseMs, loss === undefined),
    latency: summarizeLatency(mutation.latenciesUs),
    latencyHistogram: histogramOf(mutation.latenciesUs),
    guestCost: guestCost ?? null,
    stderrExcerpt: stderrExcerpt(machine.output.text()),
    ...(serial === undefined ? {} : { serialExcerpt: serial }),
    qemuWarnings: qemuWarnings(machine.output.text()),
    shutdown: { how: shutdown.how, durationMs: shutdown.durationMs },
    ...(machine.qmpNotes.length > 0 ? { qmpNotes: [...machine.qmpNotes] } : {}),
    error,
  };
  if (error?.code === 'QEMU_START_FAILED') throw new IterationAbort(record);
  return record;
}

/** The guest the suite runs: spin (or the user's --image) or Linux. */
function guestDriver(input: IterationInput): GuestDriver {
  const { suite } = input.loaded;
  if (suite.guest.image === 'spin') return spinGuest(input.build, suite, suite.guest, input.image, input.userImage ?? false, input.limits.mutations);
  if (!input.linux) throw new SlotlabError('LINUX_GUEST_FAILED', `suite ${suite.name} boots a Linux guest, but its kernel and initramfs were not resolved; run it through \`slotlab run\``);
  return linuxGuest(input.build, suite, suite.guest, input.linux);
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

async function describeFailure(guest: GuestDriver, loss: GuestLoss): Promise<FailureDetail> {
  const machine = guest.machine;
  // QEMU says in its SHUTDOWN event why it went (guest-reset: a triple fault or reboot under -no-reboot).
  const shutdown = machine.qmp.events().find((event) => event.event === 'SHUTDOWN')?.data?.reason;
  const exit = machine.exited ? (machine.exited.signal ?? `exit code ${machine.exited.exitCode}`) : undefined;
  const runState = exit ? `qemu-exited (${exit}${typeof shutdown === 'string' ? `, ${shutdown}` : ''})` : loss.reason;
  // QEMU prints the register dump just before it stops the VM; give the pipe a moment.
  for (let i = 0; i < 40 && !/KVM internal error[\s\S]*[ER]IP=/.test(machine.output.text()); i++) {
    if (!/KVM internal error/.test(machine.output.text()) && i >= 10) break;
    await sleep(25);
  }
  const report = parseInternalError(machine.output.text());
  let vcpu: number | undefined;
  if (report && !machine.exited) {
    const registers = await machine.qmp.hmp('info registers -a').catch(() => '');
    vcpu = findFailingVcpu(report, registers);
  }
  const ip = report?.instructionPointer;
  const located = ip === undefined ? undefined : guest.locate(ip);
  // A guest that crashed prints its panic just before QEMU exits (-no-reboot); the serial file may lag a little.
  if (!report && guest.lastWords) await sleep(200);
  const guestReport = guest.lastWords?.();
  return {
    runState,
    suberror: report?.suberror,
    emulationFailure: report?.emulationFailure ?? false,
    vcpu: vcpu ?? located?.vcpu,
    instructionPointer: ip,
    ...(report?.instructionPointerHex === undefined ? {} : { instructionPointerHex: report.instructionPointerHex }),
    inLoopRange: located?.inLoopRange ?? false,
    ...(guestReport === undefined ? {} : { guestReport }),
  };
}
