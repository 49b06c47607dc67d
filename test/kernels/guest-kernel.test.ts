// tier: build
import fs from 'node:fs';
import t from 'tap';
import { readNewc } from '../../orchestrator/images/cpio.js';
import { linuxGuestInitramfsPath } from '../../orchestrator/images/linux-guest-image.js';
import { resolveLinuxBoot } from '../../orchestrator/kernels/guest-kernel.js';
import { findKernel } from '../../orchestrator/kernels/kernel-registry.js';
import { isolatedCache } from '../fixtures/temp-dir.js';

t.test("the guest boots Debian's uncompressed kernel with slotlab's initramfs and the kernel's modules appended", async (t) => {
  const boot = await resolveLinuxBoot({ image: 'linux', kernel: 'debian-6.1', execNode: 1, bootTimeoutSeconds: 120 });
  t.teardown(() => boot.dispose());
  t.same(fs.readFileSync(boot.vmlinux).subarray(0, 4), Buffer.from([0x7f, 0x45, 0x4c, 0x46]), 'an ELF (PVH entry), not a bzImage');
  const resolved = await findKernel('debian-6.1').resolve();
  t.equal(boot.vmlinux, resolved.guest!.vmlinux);
  const initrd = fs.readFileSync(boot.initrd);
  t.same(initrd, Buffer.concat([fs.readFileSync(linuxGuestInitramfsPath()), fs.readFileSync(resolved.guest!.modules)]));
  const modules = readNewc(fs.readFileSync(resolved.guest!.modules)).find((entry) => entry.name === 'etc/slotlab-modules')!.data!.toString();
  t.match(modules, /^virtio_mem$/m, 'the virtio-mem driver is loaded');
  t.ok(modules.indexOf('virtio_pci') < modules.indexOf('virtio_mem'), 'after virtio-pci');
  boot.dispose();
  t.notOk(fs.existsSync(boot.initrd), 'dispose removes the temporary initrd');
});

t.test('a run resolves its guest kernel and fetches nothing: an unprepared kernel is one clear error', async (t) => {
  isolatedCache(t);
  await t.rejects(resolveLinuxBoot({ image: 'linux', kernel: 'debian-6.1', execNode: 1, bootTimeoutSeconds: 120 }), { code: 'BUILD_NOT_READY' });
});
