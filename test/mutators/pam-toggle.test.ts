// tier: host
import t from 'tap';
import { selectRegisterCommand, writeRegisterCommand } from '../../orchestrator/mutators/pam-toggle.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('HMP port writes for the host bridge config space', async (t) => {
  t.equal(selectRegisterCommand(0x59), 'o /w 0xcf8 0x80000058');
  t.equal(writeRegisterCommand(0x59, 0x10), 'o /b 0xcfd 0x10');
  t.equal(selectRegisterCommand(0x5a), 'o /w 0xcf8 0x80000058');
  t.equal(writeRegisterCommand(0x5a, 0x33), 'o /b 0xcfe 0x33');
  t.equal(selectRegisterCommand(0x5c), 'o /w 0xcf8 0x8000005c');
});

t.test('on real QEMU the writes reach PAM0 and change the memory map', NEEDS_KVM, async (t) => {
  const { launchSpinMachine } = await import('../fixtures/spin-machine.js');
  const { runPamToggle } = await import('../../orchestrator/mutators/pam-toggle.js');
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  const qmp = machine.qmp;
  const mutator = { kind: 'pam-toggle' as const, register: 0x59, values: [0x10, 0x30], batch: 2 };
  let checkpoints = 0;
  const result = await runPamToggle(qmp, mutator, { mutations: 3, durationMs: 10_000 }, { lost: () => false, checkpoint: async () => ++checkpoints > 0 });
  t.same([result.attempted, result.applied, result.stoppedBy, checkpoints], [3, 3, 'mutations', 1]);
  t.equal(result.latenciesUs.length, 3);
  await qmp.hmp(selectRegisterCommand(0x59));
  t.match(await qmp.hmp('i /b 0xcfd'), /= 0x10/, 'the last value written (0x10, read-only) is in the register');
  const readOnly = /00000000000f0000-00000000000fffff \(prio \d, rom\): pc\.ram/;
  t.match(await qmp.hmp('info mtree -f'), readOnly, '0xF0000 is a separate read-only range');
  await qmp.hmp(writeRegisterCommand(0x59, 0x30));
  const flat = await qmp.hmp('info mtree -f');
  t.notMatch(flat, readOnly, 'read-write again');
  t.match(flat, /00000000000f0000-0000000007ffffff \(prio 0, ram\): pc\.ram @00000000000f0000/, 'one range from 0xF0000 through the RAM above 1 MiB');
});

t.test('the mutator stops when the guest is lost', NEEDS_KVM, async (t) => {
  const { runPamToggle } = await import('../../orchestrator/mutators/pam-toggle.js');
  const { launchSpinMachine } = await import('../fixtures/spin-machine.js');
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  let calls = 0;
  const result = await runPamToggle(
    machine.qmp,
    { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 100 },
    { mutations: 100, durationMs: 10_000 },
    { lost: () => ++calls > 5, checkpoint: async () => true },
  );
  t.equal(result.stoppedBy, 'lost');
  t.equal(result.applied, 5);
});
