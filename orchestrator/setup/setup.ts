import { knownBuilds } from '../builds/build-registry.js';
import { IMAGE_NAMES, buildImage } from '../images/build-images.js';
import { buildL1Initramfs } from '../images/l1-image.js';
import { buildLinuxGuestInitramfs } from '../images/linux-guest-image.js';
import { KERNELS } from '../kernels/kernel-registry.js';
import { ensurePackages } from './system-packages.js';

/** Debian packages the main job needs on top of a bare Debian 12. */
export const SYSTEM_PACKAGES = ['qemu-system-x86', 'nasm', 'util-linux', 'dpkg-dev'] as const;
/** And what the tests need besides: a browser to render the HTML report, git for the bisection histories, python3 to run a reproducer. */
export const TEST_PACKAGES = ['chromium', 'git', 'python3'] as const;

/** Installs, downloads and builds everything slotlab needs; each step is a no-op when already done. */
/** `kernels`: also build every kernel under test (the tests need them, so `forTests` implies it). */
export async function setup(log: (line: string) => void, options: { forTests?: boolean; kernels?: boolean } = {}): Promise<void> {
  await ensurePackages(options.forTests ? [...SYSTEM_PACKAGES, ...TEST_PACKAGES] : SYSTEM_PACKAGES, log);
  for (const build of knownBuilds().filter((candidate) => candidate.inSetup)) {
    await build.prepare(log, (event) => {
      if (event.phase !== 'compile' || event.done === undefined) log(`build ${event.build}: ${event.phase}`);
    });
    const resolved = await build.resolve();
    log(`build ${resolved.name}: ${resolved.provenance.version}`);
  }
  for (const name of IMAGE_NAMES) {
    const image = await buildImage(name);
    log(`image ${name}: ${image.path}${image.cached ? ' (cached)' : ' (built)'}`);
  }
  const initramfs = await buildL1Initramfs(log);
  log(`image l1-initramfs (kernel under test's init, busybox, kvm-probe): ${initramfs.path}${initramfs.cached ? ' (cached)' : ' (built)'}`);
  const guestInitramfs = await buildLinuxGuestInitramfs(log);
  log(`image linux-guest (the Linux guest's init, busybox): ${guestInitramfs.path}${guestInitramfs.cached ? ' (cached)' : ' (built)'}`);
  if (options.kernels || options.forTests) {
    for (const kernel of KERNELS) {
      await kernel.prepare(log, (event) => {
        if (event.phase !== 'compile' || event.done === undefined) log(`kernel ${event.build}: ${event.phase}`);
      });
      log(`kernel ${kernel.name}: ${(await kernel.resolve()).bzImage}`);
    }
  }
}
