import type { Outcome } from '../results/record.js';
import type { ProgressVerdict } from './progress-watch.js';
import type { Observation } from './observe-iteration.js';

/** What an observation means for the race. */
export interface Classification {
  outcome: Outcome;
  /** What ended it: mutations | duration | checkpoint | a run state | qemu-exited | error. */
  stopReason: string;
  progress: ProgressVerdict;
  /** From the first mutation to the end of mutating (the loss, or a limit). */
  mutationPhaseMs: number;
  timeToFailureMs: number | null;
}

/** A harness failure is an error; a loss is a loss; a guest that kept running survived, unless QEMU kept re-entering a vCPU without progress (livelock) or a vCPU provably stalled. */
export function classifyIteration(observation: Observation): Classification {
  const { harness, loss, tally, progress, progressKnown, livelock } = observation;
  const verdict: ProgressVerdict = progressKnown && progress ? progress.verdict : 'unknown';
  const outcome: Outcome = harness ? 'error' : loss ? 'guest-lost' : livelock ? 'livelock' : verdict === 'stalled' ? 'stalled' : 'survived';
  const phaseMs = tally.endedAtMs === undefined ? 0 : (loss?.atMs ?? tally.endedAtMs) - tally.startedAtMs;
  return {
    outcome,
    stopReason: harness ? 'error' : loss ? loss.reason : (tally.stoppedBy ?? 'error'),
    progress: verdict,
    mutationPhaseMs: Math.max(0, phaseMs),
    // A loss seen before the mutation clock started (a guest that mutates itself, seen lost at the first checkpoint) has no time.
    timeToFailureMs: loss && tally.attempted > 0 && loss.atMs >= tally.startedAtMs ? Math.round(loss.atMs - tally.startedAtMs) : null,
  };
}
