// tier: unit
import t from 'tap';
import { bisect, bisectSteps } from '../../orchestrator/bisect/bisect.js';
import { type Verdict, cleanIterationsNeeded, sequentialVerdict } from '../../orchestrator/bisect/sequential.js';
import { seededRandom } from '../fixtures/random.js';

const revisions = Array.from({ length: 40 }, (_, index) => `r${index}`);

t.test('an exact oracle finds the first revision with the other verdict, in either direction', async (t) => {
  for (const fix of [1, 7, 20, 39]) {
    const fixed = await bisect(revisions, 'race', async (_, index) => (index >= fix ? 'safe' : 'race'));
    t.equal(fixed.first, `r${fix}`, `fix at ${fix}`);
    t.ok(fixed.steps.length <= bisectSteps(revisions.length));
    const broke = await bisect(revisions, 'safe', async (_, index) => (index >= fix ? 'race' : 'safe'));
    t.equal(broke.first, `r${fix}`, `regression at ${fix}`);
  }
});

t.test('skips are stepped around; when they hide the answer the candidates are given', async (t) => {
  const around = await bisect(revisions, 'race', async (_, index) => (index === 19 ? 'skip' : index >= 25 ? 'safe' : 'race'));
  t.equal(around.first, 'r25');
  t.ok(around.steps.some((step) => step.verdict === 'skip'));
  const hidden = await bisect(revisions, 'race', async (_, index) => (index === 24 ? 'skip' : index >= 24 ? 'safe' : 'race'));
  t.equal(hidden.first, undefined);
  t.same(hidden.candidates, ['r24', 'r25']);
});

t.test('on a simulated flaky oracle the wrong-commit rate stays below alpha', async (t) => {
  const alpha = 0.01;
  const pRace = 0.3;
  // Every tested revision gets alpha / steps, so the whole bisection errs with probability below alpha.
  const needed = cleanIterationsNeeded(pRace, alpha / bisectSteps(revisions.length));
  const trials = 2000;
  let wrong = 0;
  for (let seed = 0; seed < trials; seed++) {
    const random = seededRandom(seed);
    const fix = 1 + Math.floor(random() * (revisions.length - 1));
    const oracle = async (_: string, index: number): Promise<Verdict> =>
      (await sequentialVerdict(async () => (index < fix && random() < pRace ? 'lost' : 'clean'), needed)).verdict;
    const result = await bisect(revisions, 'race', oracle);
    if (result.first !== `r${fix}`) wrong++;
  }
  t.ok(wrong / trials < alpha, `${wrong} wrong of ${trials}`);
  // And the guard is needed: trusting a single clean run walks to the wrong commit often.
  let naive = 0;
  for (let seed = 0; seed < 200; seed++) {
    const random = seededRandom(seed);
    const fix = 1 + Math.floor(random() * (revisions.length - 1));
    const result = await bisect(revisions, 'race', async (_, index) => (index < fix && random() < pRace ? 'race' : 'safe'));
    if (result.first !== `r${fix}`) naive++;
  }
  t.ok(naive / 200 > 0.2, `a one-run oracle is wrong ${naive} of 200 times`);
});

t.test('every candidate between the ends a skip: each is tried once, and all of them are the answer', async (t) => {
  const tried: number[] = [];
  const result = await bisect(revisions, 'race', async (_, index) => (tried.push(index), 'skip'));
  t.equal(result.first, undefined);
  t.same(result.candidates, revisions.slice(1), 'any revision after the known one may be the first');
  t.same([...tried].sort((a, b) => a - b), Array.from({ length: revisions.length - 2 }, (_, index) => index + 1), 'every inner revision once, the ends never');
  t.ok(result.steps.every((step) => step.verdict === 'skip'));
});
