import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLinuxGuestInitramfs, requireLinuxGuestInitramfs } from '../images/linux-guest-image.js';
import { type LinuxBoot, LinuxGuestError } from '../runner/linux-guest.js';
import type { LinuxGuest } from '../suites/suite-schema.js';
import { findKernel } from './kernel-registry.js';

/** Makes the guest kernel (download, unpack) and slotlab's initramfs present, both cached; a kernel under test's job finds them built. */
export async function prepareLinuxGuestFiles(guest: LinuxGuest, log: (line: string) => void = () => {}): Promise<{ vmlinux: string; modules: string; initramfs: string }> {
  const kernel = findKernel(guest.kernel);
  await kernel.prepare(log);
  const resolved = await kernel.resolve();
  if (!resolved.guest) throw new LinuxGuestError(`kernel ${guest.kernel} cannot boot as a guest (no uncompressed kernel and guest modules)`, '');
  const initramfs = await buildLinuxGuestInitramfs(log);
  return { ...resolved.guest, initramfs: initramfs.path };
}

/**
 * The files the guest boots, already prepared (prepareLinuxGuestFiles, before
 * the run): the kernel's vmlinux and a temporary initrd (slotlab's initramfs +
 * the kernel's module archive), removed by `dispose`. Fetches and builds nothing.
 */
export async function resolveLinuxBoot(guest: LinuxGuest): Promise<LinuxBoot & { dispose(): void }> {
  const resolved = await findKernel(guest.kernel).resolve();
  if (!resolved.guest) throw new LinuxGuestError(`kernel ${guest.kernel} cannot boot as a guest (no uncompressed kernel and guest modules)`, '');
  const files = { ...resolved.guest, initramfs: requireLinuxGuestInitramfs() };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-linux-guest-'));
  const initrd = path.join(dir, 'initrd.cpio');
  fs.writeFileSync(initrd, Buffer.concat([fs.readFileSync(files.initramfs), fs.readFileSync(files.modules)]));
  return { vmlinux: files.vmlinux, initrd, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
