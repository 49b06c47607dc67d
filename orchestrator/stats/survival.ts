/** Kaplan-Meier survival for right-censored observations (a guest that survived is censored at its end). */

export interface Observation {
  /** Mutations (or milliseconds) until the loss, or until the iteration ended without one. */
  at: number;
  lost: boolean;
}

export interface SurvivalStep {
  at: number;
  /** Fraction of guests still alive just after `at`. */
  surviving: number;
}

/** The survival curve's steps, starting at (0, 1). */
export function kaplanMeier(observations: readonly Observation[]): SurvivalStep[] {
  const sorted = [...observations].sort((a, b) => a.at - b.at || Number(b.lost) - Number(a.lost));
  const steps: SurvivalStep[] = [{ at: 0, surviving: 1 }];
  let atRisk = sorted.length;
  let surviving = 1;
  let i = 0;
  while (i < sorted.length) {
    const at = sorted[i]!.at;
    let lost = 0;
    let leaving = 0;
    while (i < sorted.length && sorted[i]!.at === at) {
      if (sorted[i]!.lost) lost++;
      leaving++;
      i++;
    }
    if (lost > 0) {
      surviving *= 1 - lost / atRisk;
      steps.push({ at, surviving });
    }
    atRisk -= leaving;
  }
  return steps;
}

/**
 * The smallest `at` by which a fraction `q` of guests is lost (q = 0.5: the median);
 * undefined when the curve never gets that low (too many survivors: censored).
 */
export function survivalQuantile(steps: readonly SurvivalStep[], q: number): number | undefined {
  return steps.find((step) => step.surviving <= 1 - q + 1e-12 && step.at > 0)?.at;
}
