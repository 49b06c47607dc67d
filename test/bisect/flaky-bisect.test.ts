// tier: unit
import t from 'tap';
import { type BisectCandidate, type BisectEndError, type BisectSubject, type Evidence, flakyBisect } from '../../orchestrator/bisect/flaky-bisect.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { seededRandom } from '../fixtures/random.js';

const candidates: BisectCandidate[] = Array.from({ length: 20 }, (_, index) => ({ id: `c${index}`, label: `c${index} commit ${index}` }));

/**
 * A simulated line of versions: those `racy(index)` says lose a guest with
 * probability pRace per iteration; `broken` ones cannot be built.
 */
function simulated(racy: (index: number) => boolean, pRace: number, random: () => number, broken: number[] = []): BisectSubject & { runs: number[] } {
  const runs: number[] = [];
  return {
    candidates,
    runs,
    async measure(candidate, iterations, untilLost) {
      const index = candidates.indexOf(candidate);
      runs.push(index);
      if (broken.includes(index)) throw new Error(`build ${candidate.id}: compile failed`);
      const records: Pick<IterationRecord, 'outcome'>[] = [];
      for (let i = 0; i < iterations; i++) {
        const lost = racy(index) && random() < pRace;
        records.push({ outcome: lost ? 'guest-lost' : 'survived' });
        if (lost && untilLost) break;
      }
      return { records, runId: `run-${runs.length}` };
    },
  };
}

t.test('finds the fix and the regression exactly with a certain race, and says which direction it took', async (t) => {
  const fixed = await flakyBisect(simulated((index) => index < 7, 1, Math.random), { terms: 'fixed', alpha: 0.01, calibrate: 5 });
  t.equal(fixed.first?.id, 'c7');
  t.equal(fixed.terms, 'fixed');
  t.match(fixed.evidence[0], { role: 'calibration', verdict: 'race', losses: 5, candidate: { id: 'c0' } });
  t.match(fixed.evidence[1], { role: 'end', verdict: 'safe', candidate: { id: 'c19' }, clean: fixed.cleanNeeded });
  t.ok(fixed.evidence.slice(2).every((evidence) => evidence.role === 'step' && evidence.runId));
  const introduced = await flakyBisect(simulated((index) => index >= 12, 1, Math.random), { terms: 'introduced', alpha: 0.01, calibrate: 5 });
  t.equal(introduced.first?.id, 'c12');
  t.match(introduced.evidence[0], { role: 'calibration', candidate: { id: 'c19' } });
});

t.test('without terms the oldest version is calibrated first and decides the direction', async (t) => {
  const fix = simulated((index) => index < 3, 1, Math.random);
  t.equal((await flakyBisect(fix, { alpha: 0.01, calibrate: 3 })).terms, 'fixed');
  t.equal(fix.runs[0], 0);
  const regression = simulated((index) => index >= 15, 1, Math.random);
  const result = await flakyBisect(regression, { alpha: 0.01, calibrate: 3 });
  t.equal(result.terms, 'introduced');
  t.equal(result.first?.id, 'c15');
  t.same(regression.runs.slice(0, 3), [0, 19, 0], 'oldest calibrated clean, newest calibrated racy, oldest then tested as the safe end');
});

t.test('versions that cannot be built are skips with their reason, stepped around', async (t) => {
  const seen: Evidence[] = [];
  const result = await flakyBisect(simulated((index) => index < 9, 1, Math.random, [9, 10]), { terms: 'fixed', alpha: 0.01, calibrate: 3, onEvidence: (e) => seen.push(e) });
  t.equal(result.first, undefined, 'the two unbuildable versions hide which of them (or the next) fixed it');
  t.same(result.candidates.map((candidate) => candidate.id), ['c9', 'c10', 'c11']);
  t.match(seen.find((evidence) => evidence.candidate.id === 'c9' || evidence.candidate.id === 'c10'), { verdict: 'skip', reason: /compile failed/ });
  t.same(seen, result.evidence, 'every piece of evidence is reported as it comes');
});

t.test('ends that are not one racy and one safe version are refused with what to do', async (t) => {
  await t.rejects(flakyBisect(simulated(() => false, 1, Math.random), { terms: 'fixed', alpha: 0.01, calibrate: 4 }), {
    code: 'BISECT_ENDS',
    message: /c0 commit 0 lost no guest in 4 iterations, so it cannot be the racy end \(raise --calibrate if the race is rare\)/,
  });
  await t.rejects(flakyBisect(simulated(() => true, 1, Math.random), { terms: 'fixed', alpha: 0.01, calibrate: 2 }), { message: /c19 commit 19 lost a guest too \(the race is at both ends\)/ });
  await t.rejects(flakyBisect(simulated((index) => index < 5, 1, Math.random, [19]), { terms: 'fixed', alpha: 0.01, calibrate: 2 }), { message: /c19 commit 19 could not be tested \(build c19: compile failed\)/ });
  await t.rejects(flakyBisect({ ...simulated(() => true, 1, Math.random), candidates: candidates.slice(0, 1) }, { alpha: 0.01, calibrate: 2 }), { message: /needs two versions/ });
});

t.test('on a flaky race, calibration included, the wrong-version rate stays below alpha over many seeds', async (t) => {
  const alpha = 0.05;
  const trials = 1000;
  let wrong = 0;
  let iterations = 0;
  let refused = 0;
  for (let seed = 1; seed <= trials; seed++) {
    const random = seededRandom(seed);
    const fix = 1 + Math.floor(random() * (candidates.length - 1));
    const pRace = 0.1 + 0.6 * random();
    let result;
    try {
      result = await flakyBisect(simulated((index) => index < fix, pRace, random), { terms: 'fixed', alpha, calibrate: 10 });
    } catch (error) {
      // A racy end that lost nothing in calibration is refused: no answer, but never a wrong one.
      t.equal((error as BisectEndError).code, 'BISECT_ENDS');
      refused++;
      continue;
    }
    if (result.first?.id !== `c${fix}`) wrong++;
    iterations += result.evidence.reduce((sum, evidence) => sum + evidence.iterations, 0);
  }
  t.ok(wrong / trials < alpha, `${wrong} wrong of ${trials} (alpha ${alpha}); ${refused} refused; ${Math.round(iterations / (trials - refused))} iterations per bisection`);
  t.ok(refused < trials * 0.05, 'calibration rarely misses the race');
});

t.test('a line where every version between the ends cannot be built names all of them as candidates', async (t) => {
  const inner = Array.from({ length: candidates.length - 2 }, (_, index) => index + 1);
  const subject = simulated((index) => index === 0, 1, Math.random, inner);
  const result = await flakyBisect(subject, { terms: 'fixed', alpha: 0.01, calibrate: 3 });
  t.equal(result.first, undefined);
  t.same(result.candidates.map((candidate) => candidate.id), candidates.slice(1).map((candidate) => candidate.id));
  t.ok(result.evidence.filter((evidence) => evidence.role === 'step').every((evidence) => evidence.verdict === 'skip' && /compile failed/.test(evidence.reason ?? '')));
  t.same(new Set(subject.runs.filter((index) => index > 0 && index < candidates.length - 1)).size, inner.length, 'each tried');
});
