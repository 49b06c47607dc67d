import os from 'node:os';
import path from 'node:path';
import { cacheRoot } from '../paths.js';

/** Debian packages a QEMU source build (7.2, and today's trees) needs on top of a bare Debian 12. */
export const BUILD_PACKAGES = [
  'build-essential',
  'ninja-build',
  'meson',
  'pkgconf',
  'python3',
  'zlib1g-dev',
  'libglib2.0-dev',
  'libpixman-1-dev',
  'libfdt-dev',
  'ccache',
  'dpkg-dev',
  // QEMU 8.1 and later configure inside a Python venv of their own.
  'python3-venv',
] as const;

/**
 * A KVM-only x86_64 build that keeps everything the suites use: pc and q35,
 * multiboot -kernel, pc-dimm, memory backends, virtio-mem-pci, isa-debug-exit,
 * fw_cfg, serial, QMP/HMP. The firmware path is Debian's, so an installed
 * binary finds SeaBIOS and the option ROMs without -L.
 */
export const CONFIGURE_FLAGS: readonly string[] = [
  '--target-list=x86_64-softmmu',
  '--without-default-features',
  '--enable-kvm',
  '--disable-tcg',
  '--disable-docs',
  '--disable-werror',
  '--disable-debug-info',
  '--audio-drv-list=',
  '--enable-fdt=system',
  '--with-git-submodules=ignore',
  '--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu',
];

export function configureLine(flags: readonly string[] = CONFIGURE_FLAGS): string {
  return ['configure', ...flags].join(' ');
}

/**
 * A fixed environment: the system's tools first (a user's pyenv python breaks
 * QEMU's configure), ccache in front of cc, and ccache told to ignore the
 * absolute work path so rebuilds of other variants, registered trees and
 * bisected revisions hit (one ccache for all of them).
 */
export function buildEnv(workDir: string): Record<string, string> {
  return {
    PATH: '/usr/lib/ccache:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: os.homedir(),
    LANG: 'C.UTF-8',
    CCACHE_DIR: path.join(cacheRoot(), 'ccache'),
    CCACHE_BASEDIR: workDir,
    CCACHE_NOHASHDIR: '1',
  };
}
