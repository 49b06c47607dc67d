import { SlotlabError, errorMessage } from '../errors.js';
import type { IterationRecord } from '../results/record.js';
import { bisect, bisectSteps } from './bisect.js';
import { type Verdict, cleanIterationsNeeded, plannedRaceProbability, recordsVerdict, trialOf } from './sequential.js';

/** What is sought: the first version without the race (`fixed`) or the first with it (`introduced`). */
export const BISECT_TERMS = ['fixed', 'introduced'] as const;
export type BisectTerms = (typeof BISECT_TERMS)[number];

/** One version on the bisected line: a commit, or a kernel. */
export interface BisectCandidate {
  id: string;
  label: string;
}

export interface Measurement {
  records: readonly Pick<IterationRecord, 'outcome'>[];
  runId?: string;
}

/** The line of versions, oldest first, and how to run the suite on one of them. */
export interface BisectSubject {
  candidates: readonly BisectCandidate[];
  /**
   * Runs up to `iterations` iterations of the suite on `candidate`, stopping at
   * the first lost guest when `untilLost`. Throwing (e.g. the commit does not
   * build) makes the candidate a skip, with the message as the reason.
   */
  measure(candidate: BisectCandidate, iterations: number, untilLost: boolean): Promise<Measurement>;
}

export type EvidenceRole = 'calibration' | 'end' | 'step';

/** What one tested version showed. */
export interface Evidence {
  role: EvidenceRole;
  candidate: BisectCandidate;
  verdict: Verdict;
  iterations: number;
  losses: number;
  clean: number;
  errors: number;
  runId?: string;
  /** Why a version was skipped. */
  reason?: string;
}

export interface FlakyBisectOptions {
  /** Undefined: the oldest version is calibrated first; if it races the fix is sought, otherwise the introduction. */
  terms?: BisectTerms;
  /** Accepted chance that the bisection names a wrong version (split over the versions it tests). */
  alpha: number;
  /** Iterations run on the racy end to measure the race probability. */
  calibrate: number;
  onEvidence?: (evidence: Evidence) => void;
}

export interface FlakyBisectResult {
  terms: BisectTerms;
  /** Planned per-iteration race probability: the low end of the racy end's 95% interval. */
  raceProbability: number;
  /** Clean iterations a version needs to be called safe. */
  cleanNeeded: number;
  /** The first version with the newer end's verdict, unless skips hide it. */
  first?: BisectCandidate;
  /** When skips hide it: the versions it lies among. */
  candidates: BisectCandidate[];
  evidence: Evidence[];
}

export class BisectEndError extends SlotlabError {
  constructor(detail: string) {
    super('BISECT_ENDS', `${detail}; the ends of a bisection must be one racy and one safe version`);
  }
}

/**
 * Bisection with a probabilistic test: a loss is conclusive; "safe" needs as
 * many clean iterations as make a false "safe" less likely than `alpha`, at
 * the race probability measured on the racy end. Versions that cannot be
 * built or run are skipped and stepped around.
 */
export async function flakyBisect(subject: BisectSubject, options: FlakyBisectOptions): Promise<FlakyBisectResult> {
  const { candidates } = subject;
  if (candidates.length < 2) throw new BisectEndError(`a bisection needs two versions, got ${candidates.length}`);
  const evidence: Evidence[] = [];
  const note = (item: Evidence) => {
    evidence.push(item);
    options.onEvidence?.(item);
    return item;
  };
  const oldest = candidates[0]!;
  const newest = candidates.at(-1)!;

  const calibrate = async (candidate: BisectCandidate) => {
    const lost = (records: Measurement['records']) => (records.some((record) => record.outcome === 'guest-lost') ? 'race' : 'safe');
    return note(await run(subject, 'calibration', candidate, options.calibrate, false, lost));
  };
  let terms = options.terms;
  let racy: Evidence;
  if (terms === undefined) {
    racy = await calibrate(oldest);
    if (racy.losses > 0) terms = 'fixed';
    else {
      terms = 'introduced';
      racy = await calibrate(newest);
    }
  } else racy = await calibrate(terms === 'fixed' ? oldest : newest);
  if (racy.losses === 0) {
    throw new BisectEndError(
      `${racy.candidate.label} lost no guest in ${racy.iterations} iterations${racy.reason ? ` (${racy.reason})` : ''}, so it cannot be the racy end (raise --calibrate if the race is rare)`,
    );
  }
  const raceProbability = plannedRaceProbability(racy.losses, racy.losses + racy.clean);
  // Each tested version gets alpha / steps, so the bisection as a whole names a wrong version with probability below alpha.
  const cleanNeeded = cleanIterationsNeeded(raceProbability, options.alpha / (bisectSteps(candidates.length) + 1));
  const test = async (role: EvidenceRole, candidate: BisectCandidate) =>
    note(await run(subject, role, candidate, cleanNeeded, true, (records) => recordsVerdict(records, cleanNeeded)));

  const safe = await test('end', terms === 'fixed' ? newest : oldest);
  if (safe.verdict !== 'safe') {
    throw new BisectEndError(
      safe.verdict === 'race'
        ? `${safe.candidate.label} lost a guest too (the race is at both ends)`
        : `${safe.candidate.label} could not be tested (${safe.reason ?? `${safe.errors} iterations failed to run`})`,
    );
  }
  const ids = candidates.map((candidate) => candidate.id);
  const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const found = await bisect(ids, terms === 'fixed' ? 'race' : 'safe', async (id) => (await test('step', byId.get(id)!)).verdict);
  return {
    terms,
    raceProbability,
    cleanNeeded,
    first: found.first === undefined ? undefined : byId.get(found.first),
    candidates: found.candidates.map((id) => byId.get(id)!),
    evidence,
  };
}

async function run(
  subject: BisectSubject,
  role: EvidenceRole,
  candidate: BisectCandidate,
  iterations: number,
  untilLost: boolean,
  verdictOf: (records: Measurement['records']) => Verdict,
): Promise<Evidence> {
  try {
    const measured = await subject.measure(candidate, iterations, untilLost);
    const trials = measured.records.map(trialOf);
    const count = (trial: string) => trials.filter((t) => t === trial).length;
    return { role, candidate, verdict: verdictOf(measured.records), iterations: trials.length, losses: count('lost'), clean: count('clean'), errors: count('error'), runId: measured.runId };
  } catch (error) {
    return { role, candidate, verdict: 'skip', iterations: 0, losses: 0, clean: 0, errors: 0, reason: errorMessage(error) };
  }
}
