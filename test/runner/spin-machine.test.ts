// tier: unit
import t from 'tap';
import { dimmArgs, dynamicMemslotsOn, numaArgs, virtioMemArgs } from '../../orchestrator/runner/spin-machine.js';

t.test('DIMMs plugged at start are on the command line with their node; after-boot ones are not', async (t) => {
  t.same(dimmArgs([{ id: 'exec', sizeMiB: 128, node: 1, plug: 'after-boot' }]), []);
  t.same(dimmArgs([{ id: 'exec', sizeMiB: 128, address: 0x1_0000_0000, node: 1 }]), [
    '-object',
    'memory-backend-ram,id=exec-mem,size=128M',
    '-device',
    'pc-dimm,id=exec,memdev=exec-mem,addr=0x100000000,node=1',
  ]);
});

t.test('NUMA: boot RAM and every vCPU on node 0, the other nodes empty', async (t) => {
  t.same(numaArgs(undefined, 256, 2), []);
  t.same(numaArgs(3, 256, 2), [
    '-object', 'memory-backend-ram,id=slotlab-node0,size=256M',
    '-numa', 'node,nodeid=0,cpus=0-1,memdev=slotlab-node0',
    '-numa', 'node,nodeid=1',
    '-numa', 'node,nodeid=2',
  ]);
});

t.test('dynamic-memslots: auto means QEMU 8.2 and later', async (t) => {
  t.equal(dynamicMemslotsOn('auto', 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'), false);
  t.equal(dynamicMemslotsOn('auto', 'QEMU emulator version 8.1.5'), false);
  t.equal(dynamicMemslotsOn('auto', 'QEMU emulator version 8.2.0'), true);
  t.equal(dynamicMemslotsOn('auto', 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)'), true);
  t.equal(dynamicMemslotsOn('auto', 'not a version'), false);
  t.equal(dynamicMemslotsOn('on', 'QEMU emulator version 7.2.22'), true, 'on is on (QEMU refuses it where unknown)');
  t.equal(dynamicMemslotsOn('off', 'QEMU emulator version 10.0.2'), false);
});

t.test('a virtio-mem device gets its own backend and the options the suite gives', async (t) => {
  const device = { id: 'vmem0', sizeMiB: 2048, requestedMiB: 256, node: 1, blockSizeMiB: 4, dynamicMemslots: 'auto' as const };
  t.same(virtioMemArgs([device], 'QEMU emulator version 10.0.2'), [
    '-object', 'memory-backend-ram,id=vmem0-mem,size=2048M',
    '-device', 'virtio-mem-pci,id=vmem0,memdev=vmem0-mem,requested-size=256M,node=1,block-size=4M,dynamic-memslots=on',
  ]);
  t.same(virtioMemArgs([{ id: 'v', sizeMiB: 64, requestedMiB: 0 }], 'QEMU emulator version 7.2.22'), [
    '-object', 'memory-backend-ram,id=v-mem,size=64M',
    '-device', 'virtio-mem-pci,id=v,memdev=v-mem,requested-size=0M',
  ]);
});
