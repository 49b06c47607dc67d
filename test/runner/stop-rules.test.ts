// tier: unit
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { UNTIL_LOST_MAX_ERRORS, untilLostDone } from '../../orchestrator/runner/stop-rules.js';

const of = (...outcomes: IterationRecord['outcome'][]) => outcomes.map((outcome) => ({ outcome }) as IterationRecord);

t.test('an until-lost run stops at the first loss, or once iterations keep failing to run', async (t) => {
  t.equal(untilLostDone(of('survived', 'survived')), false);
  t.equal(untilLostDone(of('survived', 'guest-lost')), true);
  t.equal(untilLostDone(of('error', 'survived')), false);
  t.equal(UNTIL_LOST_MAX_ERRORS, 2);
  t.equal(untilLostDone(of('error', 'survived', 'stalled')), true);
});
