import { clopperPearson } from '../stats/binomial.js';
import type { IterationRecord } from '../results/record.js';

/** What one tested version is: it lost a guest (race), ran clean long enough (safe), or could not be tested (skip). */
export type Verdict = 'race' | 'safe' | 'skip';

/** Outcome of one iteration as the sequential test sees it. */
export type Trial = 'lost' | 'clean' | 'error';

/**
 * Clean iterations needed before "safe" may be said: at per-iteration race
 * probability `pRace`, a racy version passes n clean iterations with
 * probability (1 - pRace)^n, which must stay below `alpha`.
 */
export function cleanIterationsNeeded(pRace: number, alpha: number): number {
  if (!(pRace > 0 && pRace <= 1)) throw new RangeError(`race probability must be in (0, 1], not ${pRace}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), not ${alpha}`);
  if (pRace === 1) return 1;
  return Math.max(1, Math.ceil(Math.log(alpha) / Math.log(1 - pRace)));
}

/**
 * The race probability to plan with, from the bad end's losses: the lower end
 * of its 95% Clopper-Pearson interval, so a lucky bad end cannot shorten the
 * clean runs asked of every other version.
 */
export function plannedRaceProbability(losses: number, iterations: number): number {
  if (losses === 0) throw new RangeError('the race end lost no guest: there is no race to bisect');
  return clopperPearson(losses, iterations).low;
}

export interface SequentialResult {
  verdict: Verdict;
  trials: Trial[];
}

/**
 * Runs `trial` until a loss (race: conclusive at once), `needed` clean
 * iterations (safe) or `maxErrors` errors (skip).
 */
export async function sequentialVerdict(trial: (index: number) => Promise<Trial>, needed: number, maxErrors = 2): Promise<SequentialResult> {
  const trials: Trial[] = [];
  let clean = 0;
  let errors = 0;
  while (clean < needed) {
    const result = await trial(trials.length);
    trials.push(result);
    if (result === 'lost') return { verdict: 'race', trials };
    if (result === 'clean') clean++;
    else if (++errors >= maxErrors) return { verdict: 'skip', trials };
  }
  return { verdict: 'safe', trials };
}

/** An iteration record as a trial of the sequential test. */
export function trialOf(record: Pick<IterationRecord, 'outcome'>): Trial {
  if (record.outcome === 'guest-lost') return 'lost';
  return record.outcome === 'survived' ? 'clean' : 'error';
}

/** What an until-lost run of up to `needed` iterations says: a loss is conclusive; safe only after `needed` clean iterations. */
export function recordsVerdict(records: readonly Pick<IterationRecord, 'outcome'>[], needed: number): Verdict {
  const trials = records.map(trialOf);
  if (trials.includes('lost')) return 'race';
  return trials.filter((trial) => trial === 'clean').length >= needed ? 'safe' : 'skip';
}
