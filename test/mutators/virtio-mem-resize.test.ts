// tier: host
import t from 'tap';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { VirtioMemResizeError, runVirtioMemResize, virtioMemPath } from '../../orchestrator/mutators/virtio-mem-resize.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const hooks = { lost: () => false, checkpoint: async () => true };
const shape = {
  memoryMiB: 128,
  memorySlots: 1,
  maxMemoryMiB: 4096,
  numaNodes: 2,
  virtioMem: [{ id: 'vmem0', sizeMiB: 2048, requestedMiB: 0, node: 1, dynamicMemslots: 'auto' as const }],
};
const mutator = { kind: 'virtio-mem-resize' as const, device: 'vmem0', sizesMiB: [512, 1536], waitPlugged: false, plugTimeoutSeconds: 1, batch: 1 };

t.test('QEMU 10 maps the device with dynamic memslots; requested-size follows each mutation', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-bpo-10.0', 2, shape);
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
  t.equal(await machine.qmp.execute('qom-get', { path: virtioMemPath('vmem0'), property: 'dynamic-memslots' }), true, 'auto turned dynamic-memslots on');
  const tally = await runVirtioMemResize(machine.qmp, mutator, { mutations: 3, durationMs: 60_000 }, hooks);
  t.same([tally.applied, tally.stoppedBy], [3, 'mutations']);
  t.equal(await machine.qmp.execute('qom-get', { path: virtioMemPath('vmem0'), property: 'requested-size' }), 512 * 2 ** 20, 'sizes are requested in turn');
  t.equal(await machine.qmp.execute('qom-get', { path: virtioMemPath('vmem0'), property: 'size' }), 0, 'nothing is plugged without a guest driver');
  t.match(await machine.qmp.execute('query-status'), { status: 'running' });
});

t.test('waiting for a guest without a virtio-mem driver ends in an error that says so', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1, shape);
  await machine.cont();
  const waiting = runVirtioMemResize(machine.qmp, { ...mutator, waitPlugged: true }, { mutations: 1, durationMs: 60_000 }, hooks);
  await t.rejects(waiting, VirtioMemResizeError);
  await t.rejects(
    runVirtioMemResize(machine.qmp, { ...mutator, waitPlugged: true }, { mutations: 1, durationMs: 60_000 }, hooks),
    { code: 'VIRTIO_MEM_RESIZE', message: /virtio-mem device vmem0: waited 1 s for the guest to plug 512 MiB; 0 MiB are plugged; the guest needs a virtio-mem driver/ },
  );
});
