/**
 * The only published cost figures of the 2022 thread (../shared/facts/memslot-fixes.md): total time QEMU spent
 * in the KVM listener's commit during one SeaBIOS boot of `qemu-system-x86_64 --overcommit cpu-pm=on --smp N
 * --accel kvm --display none`, mean over 100 boots (1000 for 16 and 24 vCPUs).
 */
export const RFC_COST = {
  citation: 'Emanuele Giuseppe Esposito, kvm@vger.kernel.org, 23 Sep 2022, in the thread of his KVM_SET_USER_MEMORY_REGION_LIST RFC (kernel list ioctl against a userspace pause/resume prototype)',
  machine: 'AMD EPYC 7413, host kernel 5.19',
  rows: [
    { vcpus: 1, listIoctlMs: 2.1, pauseResumeMs: 2.2 },
    { vcpus: 8, listIoctlMs: 2.4, pauseResumeMs: 3.4 },
    { vcpus: 16, listIoctlMs: 3.6, pauseResumeMs: 12 },
    { vcpus: 24, listIoctlMs: 12.5, pauseResumeMs: 20, pauseResumeStdevMs: 7.3 },
  ],
} as const;
