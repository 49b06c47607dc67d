import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { SPIN, type SpinConfig, decodeMailbox, loopRange, vcpuOfAddress } from '../images/spin-contract.js';
import { findFailingVcpu, parseInternalError, stderrExcerpt } from '../machine/internal-error.js';
import { type QemuMachine, settlesWithin, sleep } from '../machine/machine.js';
import { scaled } from '../machine/time-scale.js';
import type { GuestLoss } from '../machine/run-state-watch.js';
import { QmpDisconnectedError } from '../qmp/qmp-errors.js';
import { summarizeLatency } from '../results/latency.js';
import { histogramOf } from '../results/latency-histogram.js';
import { type FailureDetail, type IterationRecord, type Outcome, RECORD_SCHEMA } from '../results/record.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import { runDimmChurn } from './dimm-churn.js';
import { runDirtyLog } from './dirty-log.js';
import { expectationFor, qemuWarnings } from './expectation.js';
import { runIdle } from './idle.js';
import { type GuestCost, runPamGuest } from './pam-guest.js';
import { newTally } from './mutation-loop.js';
import { runPamToggle } from './pam-toggle.js';
import { ProgressWatch } from './progress-watch.js';
import { spinMachine } from './spin-machine.js';

export interface IterationInput {
  runId: string;
  loaded: LoadedSuite;
  build: ResolvedBuild;
  image: string;
  /** A user's image: it may ignore the spin contract (no banner, no mailbox). */
  userImage?: boolean;
  iteration: number;
  seed: number;
  limits: { mutations: number; durationSeconds: number };
  host: IterationRecord['host'];
}

/** One guest boot: launch, wait for every vCPU, mutate, classify, shut down. Never leaves QEMU behind. */
export async function runIteration(input: IterationInput): Promise<IterationRecord> {
  const { suite } = input.loaded;
  const spin: SpinConfig = {
    cpus: suite.machine.cpus,
    codeAddress: suite.guest.codeAddress,
    codeStride: suite.guest.codeStride,
    setupWrites: suite.guest.setupWrites,
    pamGuest: suite.mutator.kind === 'pam-guest' ? { register: suite.mutator.register, values: suite.mutator.values, toggles: input.limits.mutations } : undefined,
  };
  const machine = spinMachine(input.build, suite.machine, spin, input.image);
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
  const readMailbox = async () => decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  let progressKnown = true;

  try {
    await machine.launch();
    await machine.cont();
    if (input.userImage) {
      // An image that ignores the contract never prints the banner: give it a grace period, then go on.
      const graceMs = Math.min(suite.guest.bootTimeoutSeconds, USER_IMAGE_GRACE_SECONDS) * 1000;
      await machine.waitSerial(SPIN.bannerPattern, graceMs, 'the spin banner from the user image').catch(() => undefined);
      progressKnown = (await readMailbox()).ready;
    } else {
      const bannerOrNoPaging = new RegExp(`${SPIN.bannerPattern.source}|${SPIN.noPagingPattern.source}`);
      const line = await machine.waitSerial(bannerOrNoPaging, scaled(suite.guest.bootTimeoutSeconds * 1000), 'the spin banner on serial (every vCPU running)');
      if (SPIN.noPagingPattern.test(line[0])) throw new GuestPagingError(spin.codeAddress);
    }
    const readCounters = async () => (progressKnown ? (await readMailbox()).counters : []);
    before = await readCounters();
    const watch = (progress = new ProgressWatch(before));
    const runState = machine.watchRunState();
    try {
      const limits = { mutations: input.limits.mutations, durationMs: input.limits.durationSeconds * 1000 };
      const hooks = {
        lost: () => runState.loss !== undefined,
        checkpoint: async () => {
          if (await runState.check()) return false;
          watch.observe(await readCounters());
          return true;
        },
      };
      const mutator = suite.mutator;
      if (mutator.kind === 'none') await runIdle(mutator, limits, hooks, mutation);
      else if (mutator.kind === 'pam-guest') guestCost = await runPamGuest(mutator, limits, hooks, mutation, readMailbox);
      else if (mutator.kind === 'dirty-log') await runDirtyLog(machine.qmp, mutator, limits, hooks, mutation);
      else if (mutator.kind === 'dimm-churn') await runDimmChurn(machine.qmp, mutator, limits, hooks, mutation);
      else await runPamToggle(machine.qmp, mutator, limits, hooks, input.seed % mutator.values.length, mutation);
    } catch (caught) {
      // A QMP failure because QEMU went away is the loss itself, not a harness error.
      if (caught instanceof QmpDisconnectedError) await settlesWithin(machine.waitExit(), 2000);
      if (!machine.exited && !(await runState.check())) throw caught;
    }
    const lostNow = await runState.check();
    if (!machine.exited && progressKnown) {
      after = (await readMailbox()).counters;
      if (!lostNow) watch.observe(after);
    }
    loss = await runState.settled();
    runState.stop();
    if (loss) failure = await describeFailure(machine, spin, loss);
  } catch (caught) {
    error = { code: caught instanceof SlotlabError ? caught.code : 'UNEXPECTED', message: errorMessage(caught) };
    if (!(caught instanceof SlotlabError)) error.message = (caught as Error).stack ?? error.message;
  } finally {
    await machine.shutdown();
  }

  const progressRising = progress?.rising ?? false;
  const mutationPhaseMs = mutation.endedAtMs === undefined ? 0 : (loss?.atMs ?? mutation.endedAtMs) - mutation.startedAtMs;
  const outcome: Outcome = error ? 'error' : loss ? 'guest-lost' : progressRising || !progressKnown ? 'survived' : 'stalled';
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
    progressKnown,
    progressPerSecond: progressRate(before, after, mutationPhaseMs, loss === undefined),
    latency: summarizeLatency(mutation.latenciesUs),
    latencyHistogram: histogramOf(mutation.latenciesUs),
    guestCost: guestCost ?? null,
    stderrExcerpt: stderrExcerpt(machine.output.text()),
    qemuWarnings: qemuWarnings(machine.output.text()),
    error,
  };
  if (error?.code === 'QEMU_START_FAILED') throw new IterationAbort(record);
  return record;
}

const USER_IMAGE_GRACE_SECONDS = 15;

/** The suite puts code above 4 GiB, which the spin guest reaches with paging, and this host's KVM refuses guest paging. */
export class GuestPagingError extends SlotlabError {
  constructor(codeAddress: number) {
    super(
      'GUEST_PAGING_UNAVAILABLE',
      `the guest reports that this host's KVM refuses guest paging (#GP when it sets CR0.PG), so its code at 0x${codeAddress.toString(16)} (above 4 GiB) cannot run here; ` +
        'run this suite on a host whose KVM runs paged guests (the same image runs under TCG), or move guest.codeAddress below 4 GiB',
    );
  }
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

async function describeFailure(machine: QemuMachine, spin: SpinConfig, loss: GuestLoss): Promise<FailureDetail> {
  const runState = machine.exited ? `qemu-exited (${machine.exited.signal ?? `exit code ${machine.exited.exitCode}`})` : loss.reason;
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
  if (vcpu === undefined && ip !== undefined) vcpu = vcpuOfAddress(spin, ip);
  const range = loopRange(spin);
  return {
    runState,
    suberror: report?.suberror,
    emulationFailure: report?.emulationFailure ?? false,
    vcpu,
    instructionPointer: ip,
    inLoopRange: ip !== undefined && ip >= range.start && ip < range.end,
  };
}
