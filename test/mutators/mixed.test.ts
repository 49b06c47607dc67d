// tier: host
import t from 'tap';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { runMixed } from '../../orchestrator/mutators/mixed.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

interface MemoryDevice {
  data: { id?: string };
}

t.test('mixed interleaves its mutators: PAM flips between DIMM plugs and ejects', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-bpo-10.0', 2, { memoryMiB: 128, memorySlots: 2, maxMemoryMiB: 512 });
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  const pamAfter: number[] = [];
  const dimmsAfter: string[][] = [];
  const hooks = {
    lost: () => false,
    checkpoint: async () => {
      await machine.qmp.hmp('o /l 0xcf8 0x80000058');
      pamAfter.push(Number.parseInt((await machine.qmp.hmp('i /b 0xcfd')).trim().split(/\s+/).at(-1)!, 16));
      dimmsAfter.push((await machine.qmp.execute<MemoryDevice[]>('query-memory-devices')).map((device) => device.data.id!).sort());
      return true;
    },
  };
  const mutator = {
    kind: 'mixed' as const,
    batch: 2,
    mutators: [
      { kind: 'pam-toggle' as const, register: 0x59, values: [0x10, 0x30], batch: 100 },
      { kind: 'dimm-churn' as const, dimms: 1, sizeMiB: 64, eject: 'orchestrator' as const, batch: 4 },
    ],
  };
  const tally = await runMixed(machine.qmp, mutator, { mutations: 6, durationMs: 60_000 }, hooks);
  t.same([tally.applied, tally.stoppedBy, tally.latenciesUs.length], [6, 'mutations', 6]);
  // Mutations 0, 2, 4 write PAM0 0x10, 0x30, 0x10; 1, 3, 5 plug, eject, plug churn0.
  t.same(pamAfter, [0x10, 0x30, 0x10], 'the PAM register after each pair');
  t.same(dimmsAfter, [['churn0'], [], ['churn0']], 'the DIMMs after each pair');
  t.match(await machine.qmp.execute('query-status'), { status: 'running' });
});
