// tier: unit
import t from 'tap';
import { type Trial, cleanIterationsNeeded, plannedRaceProbability, recordsVerdict, sequentialVerdict, trialOf } from '../../orchestrator/bisect/sequential.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';

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

t.test("records of an until-lost run: a loss is race, enough clean iterations safe, anything short of that skip", async (t) => {
  const of = (...outcomes: IterationRecord['outcome'][]) => outcomes.map((outcome) => ({ outcome }));
  t.equal(recordsVerdict(of('survived', 'guest-lost'), 5), 'race');
  t.equal(recordsVerdict(of('survived', 'error', 'survived'), 2), 'safe');
  t.equal(recordsVerdict(of('survived', 'error', 'error'), 3), 'skip');
  t.equal(recordsVerdict([], 1), 'skip');
  t.same(of('guest-lost', 'survived', 'stalled', 'error').map(trialOf), ['lost', 'clean', 'error', 'error']);
});
