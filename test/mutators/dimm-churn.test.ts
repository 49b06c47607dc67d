// tier: host
import t from 'tap';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { DimmChurnError, runDimmChurn } from '../../orchestrator/mutators/dimm-churn.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const shape = { memoryMiB: 128, memorySlots: 4, maxMemoryMiB: 1024, dimms: [{ id: 'exec', sizeMiB: 128, address: 0x1_0000_0000 }] };
const mutator = { kind: 'dimm-churn' as const, dimms: 2, sizeMiB: 64, eject: 'orchestrator' as const, batch: 2 };
const hooks = { lost: () => false, checkpoint: async () => true };

interface MemoryDevice {
  data: { id?: string };
}
const plugged = async (qmp: { execute<T>(command: string): Promise<T> }) =>
  (await qmp.execute<MemoryDevice[]>('query-memory-devices')).map((device) => device.data.id).sort();

t.test('DIMMs are plugged and ACPI-ejected in turn while the vCPUs run inside the DIMM at 4 GiB', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 2, shape, { codeAddress: 0x1_0000_1000 });
  await machine.cont();
  const banner = await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  t.match(banner[0], /running at 0x40001000/, 'the loops run in the paging window');
  t.equal((await machine.readGuestMemory(0x1_0000_1000, 9)).toString('hex'), '830301835304' + '00ebf7', "vCPU 0's loop is in the DIMM");
  t.same(await plugged(machine.qmp), ['exec']);
  const before = await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize);
  const tally = await runDimmChurn(machine.qmp, mutator, { mutations: 3, durationMs: 60_000 }, hooks);
  t.same([tally.applied, tally.stoppedBy], [3, 'mutations']);
  t.same(await plugged(machine.qmp), ['churn1', 'exec'], 'churn0 plugged and ejected, churn1 plugged');
  const flat = await machine.qmp.hmp('info mtree -f');
  t.match(flat, /0000000100000000-0000000107ffffff \(prio 0, ram\): exec-mem/, 'the executed DIMM stays mapped');
  t.match(flat, /\(prio 0, ram\): churn1-mem/);
  t.notMatch(flat, /churn0-mem/, 'the ejected DIMM is gone from the memory map');
  const after = await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize);
  for (const vcpu of [0, 1]) {
    const offset = SPIN.countersOffset + 8 * vcpu;
    t.ok(after.readBigUInt64LE(offset) > before.readBigUInt64LE(offset), `vCPU ${vcpu} kept counting in the DIMM`);
  }
  t.match(await machine.qmp.execute('query-status'), { status: 'running' });
});

t.test('unplugging a DIMM that is not there says what the suite needs', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1, shape);
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  // Mutation 1 of the cycle is the unplug of churn0, which was never plugged.
  const tally = { attempted: 1, applied: 1, latenciesUs: [], startedAtMs: 0, endedAtMs: undefined, stoppedBy: undefined };
  const error = await runDimmChurn(machine.qmp, mutator, { mutations: 2, durationMs: 60_000 }, hooks, tally).catch((e: unknown) => e);
  t.type(error, DimmChurnError);
  t.match((error as Error).message, /DIMM churn0 is not plugged; the dimm-churn suite needs machine\.memorySlots/);
});

t.test('waiting for a guest eject ends at the next retry once the guest is found lost', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1, shape);
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  // spin never ejects; the loss shows up after both mutations have started (checks 1 and 2).
  let checks = 0;
  const lost = () => ++checks > 2;
  const error = await runDimmChurn(machine.qmp, { ...mutator, eject: 'guest' }, { mutations: 2, durationMs: 60_000 }, { lost, checkpoint: async () => true }).catch((e: unknown) => e);
  t.type(error, DimmChurnError);
  t.match((error as Error).message, /the guest was lost before it ejected DIMM churn0/);
  t.equal(checks, 3, 'one retry, then the loss ended the wait');
});
