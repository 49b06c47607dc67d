import type { Verdict } from './sequential.js';

export interface BisectStep {
  index: number;
  revision: string;
  verdict: Verdict;
}

export interface BisectResult {
  /** The first revision whose verdict is the `last` end's, or undefined when skips hide it. */
  first: string | undefined;
  /** When skips hide it: the candidates it lies among. */
  candidates: string[];
  steps: BisectStep[];
}

/** Largest number of revisions a bisection over `count` revisions tests (without skips). */
export function bisectSteps(count: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(2, count))));
}

/**
 * Finds the first revision whose verdict is `last`'s, given that revisions[0]
 * has verdict `first` and revisions.at(-1) has `last` (first != last; either
 * direction: the fix of a race or its introduction). Skipped revisions are
 * stepped around; if they hide the answer, the candidates are returned.
 */
export async function bisect(revisions: readonly string[], first: Exclude<Verdict, 'skip'>, test: (revision: string, index: number) => Promise<Verdict>): Promise<BisectResult> {
  const steps: BisectStep[] = [];
  let good = 0; // last index known to have `first`'s verdict
  let bad = revisions.length - 1; // first index known to have the other verdict
  const skipped = new Set<number>();
  while (bad - good > 1) {
    const open = [];
    for (let index = good + 1; index < bad; index++) if (!skipped.has(index)) open.push(index);
    if (open.length === 0) break;
    const middle = (good + bad) / 2;
    const index = open.reduce((best, candidate) => (Math.abs(candidate - middle) < Math.abs(best - middle) ? candidate : best));
    const verdict = await test(revisions[index]!, index);
    steps.push({ index, revision: revisions[index]!, verdict });
    if (verdict === 'skip') skipped.add(index);
    else if (verdict === first) good = index;
    else bad = index;
  }
  const between = revisions.slice(good + 1, bad + 1);
  return between.length === 1 ? { first: revisions[bad], candidates: [revisions[bad]!], steps } : { first: undefined, candidates: between, steps };
}
