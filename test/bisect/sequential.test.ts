import t from 'tap';
import { type Trial, cleanIterationsNeeded, plannedRaceProbability, sequentialVerdict } from '../../orchestrator/bisect/sequential.js';

t.test('clean iterations needed: (1 - p)^n below alpha', async (t) => {
  t.equal(cleanIterationsNeeded(0.5, 0.01), 7);
  t.ok(0.5 ** 7 < 0.01 && 0.5 ** 6 >= 0.01);
  t.equal(cleanIterationsNeeded(0.1, 0.01), 44);
  t.equal(cleanIterationsNeeded(1, 0.01), 1);
  t.throws(() => cleanIterationsNeeded(0, 0.01), RangeError);
  t.throws(() => cleanIterationsNeeded(0.5, 1), RangeError);
});

t.test("the planned race probability is the low end of the bad end's interval", async (t) => {
  t.ok(plannedRaceProbability(3, 3) < 1 && plannedRaceProbability(3, 3) > 0.2);
  t.ok(plannedRaceProbability(1, 10) < 0.1);
  t.throws(() => plannedRaceProbability(0, 5), /no race to bisect/);
});

t.test('a loss is conclusive at once; safe needs all the clean runs; errors skip', async (t) => {
  const scripted = (script: Trial[]) => async (index: number) => script[index]!;
  t.same(await sequentialVerdict(scripted(['clean', 'lost', 'clean']), 5), { verdict: 'race', trials: ['clean', 'lost'] });
  t.same(await sequentialVerdict(scripted(['clean', 'error', 'clean', 'clean']), 3), { verdict: 'safe', trials: ['clean', 'error', 'clean', 'clean'] });
  t.same(await sequentialVerdict(scripted(['error', 'clean', 'error']), 3), { verdict: 'skip', trials: ['error', 'clean', 'error'] });
});
