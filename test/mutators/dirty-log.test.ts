// tier: host
import t from 'tap';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { runDirtyLog } from '../../orchestrator/mutators/dirty-log.js';
import { newTally } from '../../orchestrator/mutators/mutation-loop.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const mutator = { kind: 'dirty-log' as const, uri: 'exec:cat > /dev/null', maxBandwidth: 65536, holdMs: 5, batch: 2 };

t.test('dirty logging goes on and off with the guest running, and ends off', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 2);
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  let checkpoints = 0;
  const tally = await runDirtyLog(machine.qmp, mutator, { mutations: 6, durationMs: 60_000 }, { lost: () => false, checkpoint: async () => ++checkpoints > 0 }, newTally());
  t.same([tally.applied, tally.stoppedBy, checkpoints], [6, 'mutations', 3]);
  t.equal(tally.latenciesUs.length, 6);
  t.match(await machine.qmp.execute('query-migrate'), { status: 'cancelled' }, 'the last switch turned logging off');
  t.match(await machine.qmp.execute('query-status'), { status: 'running' });
});

t.test('an odd count leaves a migration running; it is cancelled on the way out', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  await runDirtyLog(machine.qmp, mutator, { mutations: 1, durationMs: 60_000 }, { lost: () => false, checkpoint: async () => true });
  const deadline = Date.now() + 10_000;
  let status = '';
  while (Date.now() < deadline && status !== 'cancelled') status = (await machine.qmp.execute<{ status: string }>('query-migrate')).status;
  t.equal(status, 'cancelled');
});
