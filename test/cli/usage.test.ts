// tier: unit
import t from 'tap';
import { USAGE, UsageError, positiveInt, positiveNumber } from '../../orchestrator/cli/usage.js';

t.test('numbers from flags', async (t) => {
  t.equal(positiveInt('--n', '5'), 5);
  t.equal(positiveInt('--n', undefined), undefined);
  t.throws(() => positiveInt('--n', '0'), UsageError);
  t.throws(() => positiveInt('--n', '1.5'), { code: 'USAGE', message: /--n needs a positive integer, not '1\.5'/ });
  t.equal(positiveNumber('--d', '0.5'), 0.5);
  t.throws(() => positiveNumber('--d', '-1'), /--d needs a positive number of seconds/);
});

t.test('usage errors end with the usage text', async (t) => {
  t.ok(new UsageError('x').message.endsWith(USAGE));
});
