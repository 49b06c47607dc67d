import t from 'tap';
import { scaled, timeScale } from '../../orchestrator/machine/time-scale.js';

t.test('SLOTLAB_TIME_SCALE multiplies timeouts; nonsense and values below 1 mean 1', async (t) => {
  const saved = process.env.SLOTLAB_TIME_SCALE;
  t.teardown(() => {
    if (saved === undefined) delete process.env.SLOTLAB_TIME_SCALE;
    else process.env.SLOTLAB_TIME_SCALE = saved;
  });
  delete process.env.SLOTLAB_TIME_SCALE;
  t.equal(timeScale(), 1);
  t.equal(scaled(1500), 1500);
  process.env.SLOTLAB_TIME_SCALE = '10';
  t.equal(scaled(1500), 15000);
  process.env.SLOTLAB_TIME_SCALE = '0.5';
  t.equal(timeScale(), 1);
  process.env.SLOTLAB_TIME_SCALE = 'fast';
  t.equal(timeScale(), 1);
});
