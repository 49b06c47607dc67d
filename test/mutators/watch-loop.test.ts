// tier: unit
import t from 'tap';
import { newTally } from '../../orchestrator/mutators/mutation-loop.js';
import { watchUntilDone } from '../../orchestrator/mutators/watch-loop.js';

const hooks = (lost: () => boolean, checkpoint: () => boolean) => ({ lost, checkpoint: async () => checkpoint() });

t.test('why the loop stopped', async (t) => {
  const cases: [string, Parameters<typeof watchUntilDone>[1], (() => Promise<boolean>) | undefined, number][] = [
    ['duration', hooks(() => false, () => true), undefined, 100],
    ['lost', hooks(() => true, () => true), undefined, 10_000],
    ['checkpoint', hooks(() => false, () => false), undefined, 10_000],
    ['mutations', hooks(() => false, () => true), async () => true, 10_000],
  ];
  for (const [expected, h, limit, durationMs] of cases) {
    const tally = newTally();
    await watchUntilDone({ mutations: 1, durationMs }, h, tally, 20, limit);
    t.equal(tally.stoppedBy, expected);
    t.ok(tally.endedAtMs! >= tally.startedAtMs);
  }
});

t.test('a loss seen at a checkpoint counts as the loss', async (t) => {
  let lost = false;
  const tally = newTally();
  await watchUntilDone({ mutations: 1, durationMs: 10_000 }, hooks(() => lost, () => ((lost = true), false)), tally, 10);
  t.equal(tally.stoppedBy, 'lost');
});
