// tier: unit
import t from 'tap';
import { matchesPattern } from '../../orchestrator/qmp/event-match.js';

t.test('an empty pattern matches any object', async (t) => {
  t.ok(matchesPattern({ reason: 'host-qmp-quit' }, {}));
});

t.test('sub-objects match recursively and extra keys are ignored', async (t) => {
  const data = { guest: false, reason: 'host-qmp-quit', nested: { a: 1, b: [1, 2] } };
  t.ok(matchesPattern(data, { reason: 'host-qmp-quit' }));
  t.ok(matchesPattern(data, { nested: { a: 1 } }));
  t.ok(matchesPattern(data, { nested: { b: [1, 2] } }));
  t.notOk(matchesPattern(data, { nested: { b: [1] } }));
  t.notOk(matchesPattern(data, { reason: 'guest-shutdown' }));
  t.notOk(matchesPattern(data, { missing: undefined }));
  t.notOk(matchesPattern(data, { guest: 0 }), 'no type coercion');
  t.notOk(matchesPattern('text', { a: 1 }));
  t.notOk(matchesPattern([1], { 0: 1 }), 'an array is not an object pattern target');
});
