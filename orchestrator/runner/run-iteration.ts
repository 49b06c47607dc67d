import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError, errorMessage } from '../errors.js';
import { SPIN, type SpinConfig, decodeMailbox, encodeSpinConfig, loopRange, vcpuOfAddress } from '../images/spin-contract.js';
import { findFailingVcpu, parseInternalError, stderrExcerpt } from '../machine/internal-error.js';
import { QemuMachine, sleep } from '../machine/machine.js';
import { summarizeLatency } from '../results/latency.js';
import { type FailureDetail, type IterationRecord, type Outcome, RECORD_SCHEMA } from '../results/record.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import { type MutatorResult, runPamToggle } from './pam-toggle.js';
import { ProgressWatch } from './progress-watch.js';

export interface IterationInput {
  runId: string;
  loaded: LoadedSuite;
  build: ResolvedBuild;
  image: string;
  iteration: number;
  seed: number;
  limits: { mutations: number; durationSeconds: number };
  host: { kernel: string; cpu: string };
}

/** Run states in which the guest will not run again without outside help. */
const LOST_EVENTS = new Set(['STOP', 'SHUTDOWN', 'GUEST_PANICKED', 'GUEST_CRASHLOADED']);

/** One guest boot: launch, wait for every vCPU, mutate, classify, shut down. Never leaves QEMU behind. */
export async function runIteration(input: IterationInput): Promise<IterationRecord> {
  const { suite } = input.loaded;
  const spin: SpinConfig = { cpus: suite.machine.cpus, codeAddress: suite.guest.codeAddress, codeStride: suite.guest.codeStride };
  const machine = new QemuMachine({
    binary: input.build.binary,
    env: input.build.env,
    dataDirs: input.build.dataDirs,
    machineType: suite.machine.type,
    machineOptions: suite.machine.options,
    accel: 'kvm',
    cpus: suite.machine.cpus,
    memoryMiB: suite.machine.memoryMiB,
    kernel: input.image,
    fwCfg: [{ name: SPIN.fwCfgName, data: encodeSpinConfig(spin) }],
  });
  const startedAt = new Date();
  const started = performance.now();
  let lostAtMs: number | undefined;
  let lostBy: string | undefined;
  let mutating = false;
  let mutation: MutatorResult | undefined;
  let before: bigint[] = [];
  let after: bigint[] = [];
  let progress: ProgressWatch | undefined;
  let failure: FailureDetail | null = null;
  let stopReason = 'error';
  let error: IterationRecord['error'] = null;

  const markLost = (reason: string) => {
    if (lostAtMs !== undefined) return;
    lostAtMs = performance.now();
    lostBy = reason;
  };
  const readCounters = async () => decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize)).counters;

  try {
    await machine.launch();
    machine.qmp.onEvent((event) => {
      if (mutating && LOST_EVENTS.has(event.event)) markLost(event.event);
    });
    void machine.waitExit().then(() => {
      if (mutating) markLost('qemu-exited');
    });
    await machine.cont();
    await machine.waitSerial(SPIN.bannerPattern, suite.guest.bootTimeoutSeconds * 1000, 'the spin banner on serial (every vCPU running)');
    before = await readCounters();
    const watch = (progress = new ProgressWatch(before));
    mutating = true;
    try {
      mutation = await runPamToggle(
        machine.qmp,
        suite.mutator,
        { mutations: input.limits.mutations, durationMs: input.limits.durationSeconds * 1000 },
        {
          lost: () => lostAtMs !== undefined,
          checkpoint: async () => {
            const status = await machine.queryStatus();
            if (!status.running) {
              markLost(status.status);
              return false;
            }
            watch.observe(await readCounters());
            return true;
          },
        },
        input.seed % suite.mutator.values.length,
      );
    } catch (caught) {
      if (!machine.exited && lostAtMs === undefined) throw caught;
      markLost(machine.exited ? 'qemu-exited' : (lostBy ?? 'lost'));
    }
    mutating = false;
    if (!machine.exited) {
      const status = await machine.queryStatus();
      if (!status.running) markLost(status.status);
      after = await readCounters();
      if (lostAtMs === undefined) watch.observe(after);
    }
    if (lostAtMs !== undefined) {
      failure = await describeFailure(machine, spin, lostBy!);
      stopReason = lostBy === 'STOP' ? failure.runState : lostBy!;
    } else {
      stopReason = mutation?.stoppedBy ?? 'error';
    }
  } catch (caught) {
    error = { code: caught instanceof SlotlabError ? caught.code : 'UNEXPECTED', message: errorMessage(caught) };
    if (!(caught instanceof SlotlabError)) error.message = (caught as Error).stack ?? error.message;
  } finally {
    mutating = false;
    await machine.shutdown();
  }

  const progressRising = progress?.rising ?? false;
  const outcome: Outcome = error ? 'error' : lostAtMs !== undefined ? 'guest-lost' : progressRising ? 'survived' : 'stalled';
  const record: IterationRecord = {
    schema: RECORD_SCHEMA,
    runId: input.runId,
    suite: { name: suite.name, file: input.loaded.file, sha256: input.loaded.sha256 },
    build: input.build.provenance,
    host: input.host,
    iteration: input.iteration,
    seed: input.seed,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    outcome,
    stopReason,
    limits: input.limits,
    mutationsAttempted: mutation?.attempted ?? 0,
    mutationsApplied: mutation?.applied ?? 0,
    timeToFailureMs: lostAtMs !== undefined && mutation ? Math.round(lostAtMs - mutation.startedAtMs) : null,
    failure,
    progressBefore: before.map(String),
    progressAfter: after.map(String),
    progressRising,
    latency: summarizeLatency(mutation?.latenciesUs ?? []),
    stderrExcerpt: stderrExcerpt(machine.output.text()),
    error,
  };
  if (error && error.code === 'QEMU_START_FAILED') throw Object.assign(new IterationAbort(error.message), { record });
  return record;
}

/** The build cannot even start: carries the record of the attempt so it is kept, then stops the run. */
export class IterationAbort extends SlotlabError {
  record!: IterationRecord;
  constructor(message: string) {
    super('QEMU_START_FAILED', message);
  }
}

async function describeFailure(machine: QemuMachine, spin: SpinConfig, lostBy: string): Promise<FailureDetail> {
  let runState = lostBy;
  if (!machine.exited) runState = (await machine.queryStatus().catch(() => ({ status: lostBy }))).status;
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
