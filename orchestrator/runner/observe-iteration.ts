import { QemuStartError, GuestBootLostError } from '../machine/machine-errors.js';
import { type ShutdownResult, settlesWithin } from '../machine/machine.js';
import type { GuestLoss } from '../machine/run-state-watch.js';
import type { GuestCost } from '../mutators/mutator.js';
import { type MutatorTally, newTally } from '../mutators/mutation-loop.js';
import { mutatorPlugin } from '../mutators/registry.js';
import { QmpDisconnectedError, QmpTimeoutError } from '../qmp/qmp-errors.js';
import { type FlightData, launchFiles } from '../results/flight-files.js';
import { SlotlabError, errorMessage } from '../errors.js';
import type { FailureDetail, LivelockEvidence } from '../results/record.js';
import type { StallReading } from '../results/stall-summary.js';
import type { Timeouts } from '../run-context.js';
import type { Suite } from '../suites/suite-schema.js';
import { type HostLoad, readHostLoad } from '../machine/host-load.js';
import { type VcpuForensics, captureVcpuForensics } from '../machine/vcpu-forensics.js';
import { describeFailure } from './describe-failure.js';
import type { GuestDriver, StartReport } from './guest-driver.js';
import { probeLivelock } from './livelock.js';
import { ProgressWatch } from './progress-watch.js';

/** Transcript marks around the mutator's run: the part of the session a reproducer repeats. */
export const MUTATIONS_START = 'mutations start';
export const MUTATIONS_END = 'mutations end';

/** Why the harness could not run an iteration, as a value: it decides what the run does next. */
export type HarnessFailure =
  /** QEMU did not start (bad option, missing module, no QMP): the run stops after recording the attempt. */
  | { kind: 'qemu-start'; code: string; message: string }
  /** QEMU ran the guest, which went away before any mutation: the iteration is booted again. */
  | { kind: 'guest-boot-lost'; code: string; message: string }
  /** Anything else the harness could not do: recorded as an error, the run goes on. */
  | { kind: 'harness'; code: string; message: string };

export function harnessFailure(caught: unknown): HarnessFailure {
  const message = caught instanceof SlotlabError ? caught.message : ((caught as Error)?.stack ?? errorMessage(caught));
  const code = caught instanceof SlotlabError ? caught.code : 'UNEXPECTED';
  if (caught instanceof QemuStartError) return { kind: 'qemu-start', code, message };
  if (caught instanceof GuestBootLostError) return { kind: 'guest-boot-lost', code, message };
  return { kind: 'harness', code, message };
}

/** Everything one boot of the guest showed, before it is judged. */
export interface Observation {
  startedAt: Date;
  durationMs: number;
  tally: MutatorTally;
  /** Whether the guest keeps counters that can be read (a user's image may not). */
  progressKnown: boolean;
  before: bigint[];
  after: bigint[];
  progress: ProgressWatch | undefined;
  loss: GuestLoss | undefined;
  failure: FailureDetail | null;
  /** A vCPU QEMU kept re-entering without progress, with the evidence. */
  livelock: LivelockEvidence | undefined;
  harness: HarnessFailure | undefined;
  guestCost: GuestCost | undefined;
  serial: string | undefined;
  shutdown: ShutdownResult;
  /** QEMU's stdout and stderr (the end of them). */
  output: string;
  /** The spin guest's stall records at the first and after the last mutation. */
  stalls: { before: StallReading; after?: StallReading } | undefined;
  /** QEMU's trace log (the machine's traceEvents), read before shutdown. */
  trace: string;
  qmpNotes: string[];
  /** The session's transcript, QEMU's command line and what the guest printed: the iteration's flight recording. */
  flight: FlightData;
  start: StartReport;
  /** From the iteration's start to its first mutation (QEMU's launch, the guest's boot or restore, the first counter reading); absent when it got no further. */
  startUpMs?: number;
  /** The machine's load when the iteration started and when it ended. */
  load?: { before: HostLoad; after: HostLoad };
}

export interface ObserveInput {
  mutator: Suite['mutator'];
  limits: { mutations: number; durationSeconds: number };
  seed: number;
  timeouts: Timeouts;
}

/** Boots the guest, runs the mutator against it, settles what happened and shuts QEMU down; never leaves QEMU behind. */
export async function observeIteration(guest: GuestDriver, input: ObserveInput): Promise<Observation> {
  const startedAt = new Date();
  const started = performance.now();
  const loadBefore = readHostLoad();
  const tally = newTally();
  const seen: Pick<Observation, 'before' | 'after' | 'progress' | 'loss' | 'failure' | 'livelock' | 'harness' | 'guestCost' | 'stalls'> & { progressKnown: boolean } = {
    stalls: undefined,
    before: [],
    after: [],
    progress: undefined,
    loss: undefined,
    failure: null,
    livelock: undefined,
    harness: undefined,
    guestCost: undefined,
    progressKnown: true,
  };
  let serial: string | undefined;
  let consoleText = '';
  let trace = '';
  let shutdown: ShutdownResult;
  let startUpMs: number | undefined;
  let vcpus: VcpuForensics | undefined;
  try {
    seen.progressKnown = await guest.boot();
    const machine = guest.machine;
    seen.before = await guest.readCounters();
    if (seen.progressKnown && guest.readStalls) seen.stalls = { before: { atMs: performance.now(), records: await guest.readStalls() } };
    const watch = (seen.progress = new ProgressWatch(seen.before, { windowMs: input.timeouts.stallWindowMs }));
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
      startUpMs = Math.round(performance.now() - started);
      machine.transcript.record({ kind: 'mark', label: MUTATIONS_START });
      const outcome = await mutatorPlugin(input.mutator).run(input.mutator, {
        qmp: machine.qmp,
        limits,
        hooks,
        tally,
        seed: input.seed,
        timeouts: input.timeouts,
        readMailbox: guest.readMailbox,
        ...(guest.workloadEnded ? { workloadEnded: guest.workloadEnded.bind(guest) } : {}),
        userImage: guest.userImage ?? false,
      });
      seen.guestCost = outcome.guestCost;
      machine.transcript.record({ kind: 'mark', label: MUTATIONS_END });
    } catch (caught) {
      machine.transcript.record({ kind: 'mark', label: MUTATIONS_END });
      // A QMP failure because QEMU went away is the loss itself, not a harness error.
      if (caught instanceof QmpDisconnectedError) await settlesWithin(machine.waitExit(), 2000);
      if (!machine.exited && !(await runState.check()) && !lost()) throw caught;
    }
    await runState.check();
    const lostNow = lost();
    if (!machine.exited && seen.progressKnown) {
      seen.after = await guest.readCounters(true).catch(async (caught: unknown) => {
        // A guest lost by a shutdown (a triple fault under -no-reboot): QEMU is on its way out (or hangs on the way, as
        // QEMU 7.2 in L2 did once), nothing to read; the loss is known already.
        if (!lostNow || !(caught instanceof QmpDisconnectedError || caught instanceof QmpTimeoutError)) throw caught;
        await settlesWithin(machine.waitExit(), 2000);
        return [];
      });
      if (!lostNow) watch.observe(seen.after);
      if (!lostNow && seen.stalls && guest.readStalls) seen.stalls.after = { atMs: performance.now(), records: await guest.readStalls() };
    }
    // A guest still running with a vCPU that stood still for a while (or one whose progress cannot be read): is QEMU
    // re-entering it for ever? The probe itself watches it for a whole stall window.
    const still = seen.progressKnown ? watch.stillVcpus(input.timeouts.stallWindowMs / input.timeouts.scale) : undefined;
    // A guest whose workload ended (a finished firmware boot) idles: nothing to probe.
    if (!lostNow && !machine.exited && !guest.workloadEnded && (still === undefined || still.length > 0)) {
      seen.livelock = await probeLivelock(machine.qmp, still && { still, readCounters: () => guest.readCounters(true) }, input.timeouts.stallWindowMs);
    }
    seen.loss = await runState.settled();
    runState.stop();
    if (seen.loss) seen.failure = await describeFailure(guest, seen.loss);
    // Not survived (lost, livelocked or a vCPU seen still): every vCPU's state while QEMU still holds it.
    if (seen.loss || seen.livelock || (still !== undefined && still.length > 0)) vcpus = await captureVcpuForensics(machine, guest.ownPages?.() ?? []);
  } catch (caught) {
    seen.harness = harnessFailure(caught);
  } finally {
    serial = guest.serialExcerpt?.();
    consoleText = guest.machine.serialText();
    trace = guest.machine.traceText();
    shutdown = await guest.machine.shutdown();
  }
  const { machine } = guest;
  const loadAfter = readHostLoad();
  const start = guest.started?.() ?? { how: 'booted' };
  const output = machine.output.text();
  const flight: FlightData = { transcript: machine.transcript, argv: machine.argv, env: machine.config.env, launch: launchFiles(machine), console: consoleText, output, ...(vcpus ? { vcpus } : {}) };
  return { ...seen, startedAt, durationMs: Math.round(performance.now() - started), tally, serial, shutdown, output, trace, qmpNotes: [...machine.qmpNotes], flight, start, ...(startUpMs === undefined ? {} : { startUpMs }), ...(loadBefore && loadAfter ? { load: { before: loadBefore, after: loadAfter } } : {}) };
}
