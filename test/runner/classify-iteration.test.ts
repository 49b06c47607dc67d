// tier: unit
import t from 'tap';
import { GuestBootLostError, QemuStartError } from '../../orchestrator/machine/machine-errors.js';
import { QmpTimeoutError } from '../../orchestrator/qmp/qmp-errors.js';
import { QmpTranscript } from '../../orchestrator/qmp/qmp-transcript.js';
import { classifyIteration } from '../../orchestrator/runner/classify-iteration.js';
import { type Observation, harnessFailure } from '../../orchestrator/runner/observe-iteration.js';
import { ProgressWatch } from '../../orchestrator/runner/progress-watch.js';

/** A watch that saw `after` 2 s after `before`. */
function watched(before: bigint[], after: bigint[]): ProgressWatch {
  let now = 0;
  const watch = new ProgressWatch(before, { windowMs: 1000, now: () => now });
  now = 2000;
  watch.observe(after);
  return watch;
}

function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    startedAt: new Date(0),
    durationMs: 5000,
    tally: { attempted: 10, applied: 10, latenciesUs: [], startedAtMs: 100, endedAtMs: 350, stoppedBy: 'mutations' },
    progressKnown: true,
    before: [1n, 1n],
    after: [5n, 5n],
    progress: watched([1n, 1n], [5n, 5n]),
    loss: undefined,
    failure: null,
    livelock: undefined,
    harness: undefined,
    guestCost: undefined,
    serial: undefined,
    start: { how: 'booted' },
    shutdown: { graceful: true, how: 'graceful', durationMs: 20, exitCode: 0, signal: undefined },
    output: '',
    trace: '',
    stalls: undefined,
    qmpNotes: [],
    flight: { transcript: new QmpTranscript(), argv: [], env: undefined, launch: { privateDir: '/tmp/x', fwCfg: [] }, console: '', output: '' },
    ...overrides,
  };
}

t.test('a guest that kept every vCPU advancing survived, stopped by its limit', async (t) => {
  t.same(classifyIteration(observation()), { outcome: 'survived', stopReason: 'mutations', progress: 'advancing', mutationPhaseMs: 250, timeToFailureMs: null });
});

t.test('a loss is a loss, timed from the first mutation', async (t) => {
  const classified = classifyIteration(observation({ loss: { reason: 'internal-error', atMs: 142 } }));
  t.equal(classified.outcome, 'guest-lost');
  t.equal(classified.stopReason, 'internal-error');
  t.equal(classified.timeToFailureMs, 42);
  t.equal(classified.mutationPhaseMs, 42, 'mutating ended with the loss');
});

t.test('a vCPU provably still is a stall; one seen still too briefly is unknown, and survived', async (t) => {
  t.equal(classifyIteration(observation({ progress: watched([1n, 1n], [5n, 1n]) })).outcome, 'stalled');
  let now = 0;
  const brief = new ProgressWatch([1n, 1n], { windowMs: 1000, now: () => now });
  now = 1;
  brief.observe([5n, 1n]);
  t.same(classifyIteration(observation({ progress: brief })), { outcome: 'survived', stopReason: 'mutations', progress: 'unknown', mutationPhaseMs: 250, timeToFailureMs: null });
  t.equal(classifyIteration(observation({ progressKnown: false })).progress, 'unknown', 'a guest without counters');
});

t.test('a harness failure is an error whatever else was seen', async (t) => {
  const classified = classifyIteration(observation({ harness: { kind: 'harness', code: 'QMP_TIMEOUT', message: 'x' }, loss: { reason: 'shutdown', atMs: 200 } }));
  t.equal(classified.outcome, 'error');
  t.equal(classified.stopReason, 'error');
});

t.test('harness failures are typed by what they mean for the run, not by their code string', async (t) => {
  const process = { command: ['qemu'], exitCode: 1, signal: undefined, durationMs: 5, outputTail: '' };
  t.equal(harnessFailure(new QemuStartError(process, 'exited during start-up')).kind, 'qemu-start');
  t.equal(harnessFailure(new GuestBootLostError(process, 'the banner', 'panic')).kind, 'guest-boot-lost');
  t.match(harnessFailure(new QmpTimeoutError('a reply', 10)), { kind: 'harness', code: 'QMP_TIMEOUT' });
  t.match(harnessFailure(new TypeError('boom')), { kind: 'harness', code: 'UNEXPECTED', message: /TypeError: boom\n\s+at / });
});

t.test('a loss seen before the mutation clock started has no time to failure, never a negative one', async (t) => {
  // The clock starts at 100 ms; a guest that mutates itself was seen lost at 73 ms.
  const early = classifyIteration(observation({ loss: { reason: 'internal-error', atMs: 73 } }));
  t.equal(early.outcome, 'guest-lost');
  t.equal(early.timeToFailureMs, null);
  t.equal(classifyIteration(observation({ loss: { reason: 'internal-error', atMs: 100 } })).timeToFailureMs, 0, 'at the clock start: 0');
});
