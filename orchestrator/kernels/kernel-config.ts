/**
 * The kernel under test is configured from `allnoconfig` plus these options, all
 * built in (no modules, so the L1 initramfs needs no module loading): x86_64 SMP,
 * serial console, initramfs, the syscalls QEMU and node use, virtio-pci and 9p
 * (the host's root is mounted read-only over 9p), and KVM with both vendors.
 * Under TCG only kvm_amd is useful (TCG emulates SVM, not VMX).
 */
export const KERNEL_CONFIG_OPTIONS: readonly string[] = [
  '64BIT', 'SMP', 'PRINTK', 'BUG', 'EARLY_PRINTK', 'TTY', 'SERIAL_8250', 'SERIAL_8250_CONSOLE',
  'BLK_DEV_INITRD', 'BINFMT_ELF', 'BINFMT_SCRIPT', 'DEVTMPFS', 'DEVTMPFS_MOUNT', 'PROC_FS', 'PROC_SYSCTL',
  'SYSFS', 'TMPFS', 'SHMEM', 'FUTEX', 'EPOLL', 'EVENTFD', 'SIGNALFD', 'TIMERFD', 'AIO', 'FILE_LOCKING',
  'POSIX_TIMERS', 'MULTIUSER', 'MEMFD_CREATE', 'HIGH_RES_TIMERS', 'NET', 'UNIX', 'INET', 'PCI',
  'VIRTIO_MENU', 'VIRTIO_PCI', 'NET_9P', 'NET_9P_VIRTIO', 'NETWORK_FILESYSTEMS', '9P_FS',
  'VIRTUALIZATION', 'KVM', 'KVM_AMD', 'KVM_INTEL', 'CPU_SUP_AMD', 'CPU_SUP_INTEL',
  'HYPERVISOR_GUEST', 'PARAVIRT', 'KVM_GUEST', 'X86_MCE', 'UNIX98_PTYS', 'RTC_CLASS', 'X86_MPPARSE', 'ACPI',
];

/** Options switched off after the enables (modules would need an initramfs that loads them). */
export const KERNEL_CONFIG_DISABLED: readonly string[] = ['MODULES'];

/** `scripts/config` arguments that turn `allnoconfig` into the kernel under test's configuration. */
export function configScriptArgs(configFile: string): string[] {
  return [
    '--file', configFile,
    ...KERNEL_CONFIG_OPTIONS.flatMap((option) => ['--enable', option]),
    ...KERNEL_CONFIG_DISABLED.flatMap((option) => ['--disable', option]),
  ];
}

/** Options asked for that `olddefconfig` dropped (a missing dependency): the build must not go on without them. */
export function missingOptions(config: string): string[] {
  const set = new Set(config.split('\n').filter((line) => line.endsWith('=y')).map((line) => line.slice('CONFIG_'.length, -2)));
  return KERNEL_CONFIG_OPTIONS.filter((option) => !set.has(option));
}

/** Debian packages a kernel build needs on top of the QEMU build's. */
export const KERNEL_BUILD_PACKAGES = ['build-essential', 'bc', 'bison', 'flex', 'libelf-dev', 'libssl-dev', 'ccache', 'xz-utils'] as const;
