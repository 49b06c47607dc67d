import t from 'tap';
import { FAMILY_TABLE, cellFamily } from '../../orchestrator/runner/cell-family.js';
import { BUILD_FAMILIES } from '../../orchestrator/builds/build-types.js';

t.test('the fix a cell carries follows from the build and the KVM capabilities under it', async (t) => {
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 128 }), 'atomic-ioctl');
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 0 }), 'stock', 'no list ioctl: the fallback is stock');
  t.equal(cellFamily('atomic-ioctl', {}), 'stock');
  t.equal(cellFamily('atomic-ioctl', undefined), 'atomic-ioctl', 'capabilities unknown: the build says');
  t.equal(cellFamily('paused-vcpu', {}), 'paused-vcpu', 'a userspace fix needs nothing of the kernel');
  t.equal(cellFamily('stock', { USER_MEMORY_REGION_LIST: 128 }), 'stock', 'a kernel fix does nothing for a QEMU that does not use it');
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 0 }, 'QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)'), 'paused-vcpu', "QEMU 10 without the list ioctl falls back to upstream's blocker");
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 0 }, 'QEMU emulator version 7.2.22'), 'stock', 'QEMU 7.2 falls back to two ioctls');
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 128 }, 'QEMU emulator version 10.0.13'), 'atomic-ioctl');
  t.equal(cellFamily('atomic-ioctl', { USER_MEMORY_REGION_LIST: 0 }, 'QEMU emulator version 8.0.0'), 'paused-vcpu', 'the blocker is there from 8.0');
});

t.test('every build family has a row that holds on any kernel', async (t) => {
  for (const family of BUILD_FAMILIES) t.ok(FAMILY_TABLE.some((row) => row.qemu === family && !row.needs?.length), `${family}: a row without conditions`);
});
