// tier: unit
import t from 'tap';
import { FAMILY_TABLE, cellFamily } from '../../orchestrator/results/cell-family.js';
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

t.test('on a kernel that raises zero-length fetch exits, every QEMU but mmio-aware resumes them (mmio-exit)', async (t) => {
  const mmio = { X86_MMIO_FETCH_EXIT: 1, USER_MEMORY_REGION_LIST: 0 };
  t.equal(cellFamily('stock', mmio), 'mmio-exit', 'the naive form of the proposal');
  t.equal(cellFamily('paused-vcpu', mmio), 'mmio-exit');
  t.equal(cellFamily('atomic-ioctl', mmio, 'QEMU emulator version 7.2.22'), 'mmio-exit', 'no list to use');
  t.equal(cellFamily('mmio-aware', mmio), 'mmio-aware');
  t.equal(cellFamily('mmio-aware', { X86_MMIO_FETCH_EXIT: 0 }), 'stock', 'without the capability it is stock 7.2');
  t.equal(cellFamily('stock', { X86_MMIO_FETCH_EXIT: 0 }), 'stock');
  t.equal(cellFamily('mmio-aware', undefined), 'mmio-aware', 'capabilities unknown: the build says');
  t.equal(cellFamily('stock', undefined), 'stock');
});

t.test('every build family has a row that holds on any kernel', async (t) => {
  for (const family of BUILD_FAMILIES) t.ok(FAMILY_TABLE.some((row) => row.qemu === family && !row.needs?.length), `${family}: a row without conditions`);
});
