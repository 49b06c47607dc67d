export interface MutationLimits {
  mutations: number;
  durationMs: number;
}

export interface MutatorHooks {
  /** True once the guest is known to be lost; checked before every mutation. */
  lost(): boolean;
  /** Called after every batch; returning false stops the mutator. */
  checkpoint(): Promise<boolean>;
}

/** Counts kept up to date while the mutator runs, so they survive a QEMU that dies under it. */
export interface MutatorTally {
  attempted: number;
  applied: number;
  latenciesUs: number[];
  startedAtMs: number;
  /** Set when the mutator returns or throws. */
  endedAtMs: number | undefined;
  stoppedBy: 'mutations' | 'duration' | 'lost' | 'checkpoint' | undefined;
}

export function newTally(): MutatorTally {
  return { attempted: 0, applied: 0, latenciesUs: [], startedAtMs: performance.now(), endedAtMs: undefined, stoppedBy: undefined };
}

/**
 * Runs `step(i)` for mutation i = 0, 1, ... as fast as it completes, timing
 * each one (then `between()`, untimed, e.g. a hold time), with a checkpoint
 * after every `batch` applied mutations, until a limit is reached or the guest
 * is lost. Sets the tally's start, end and why it stopped.
 */
export async function driveMutations(
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally,
  batch: number,
  step: (index: number) => Promise<void>,
  between: () => Promise<void> = async () => {},
): Promise<MutatorTally> {
  tally.startedAtMs = performance.now();
  try {
    tally.stoppedBy = await drive(limits, hooks, tally, batch, step, between);
    return tally;
  } finally {
    tally.endedAtMs = performance.now();
  }
}

async function drive(
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally,
  batch: number,
  step: (index: number) => Promise<void>,
  between: () => Promise<void>,
): Promise<NonNullable<MutatorTally['stoppedBy']>> {
  while (tally.attempted < limits.mutations) {
    if (hooks.lost()) return 'lost';
    if (performance.now() - tally.startedAtMs >= limits.durationMs) return 'duration';
    const index = tally.attempted++;
    const sentAt = performance.now();
    await step(index);
    tally.latenciesUs.push(Math.round((performance.now() - sentAt) * 1000));
    tally.applied++;
    if (tally.applied % batch === 0 && !(await hooks.checkpoint())) return 'checkpoint';
    await between();
  }
  return hooks.lost() ? 'lost' : 'mutations';
}
