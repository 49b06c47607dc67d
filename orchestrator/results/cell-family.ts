import type { BuildFamily, CellFamily } from './provenance.js';

/**
 * Which fix a cell really carries: what its QEMU build does about an overlapping
 * delete+add (`qemu`, the build's family) and what the KVM under it offers
 * (capabilities from `kvm-probe caps`). The first row whose conditions hold
 * decides; adding a family is adding a row.
 */
export interface FamilyRow {
  qemu: BuildFamily;
  /** KVM capabilities that must be non-zero for this row (checked only where the capabilities are known). */
  needs?: readonly string[];
  /** The QEMU version (`major.minor`) this row starts at: the row holds only for builds that say they are that new. */
  qemuSince?: string;
  family: CellFamily;
  why: string;
}

/** The kernel capability of slotlab's mmio-exit kernels: a fetch without a memslot exits as a zero-length MMIO read. */
export const MMIO_FETCH_EXIT = 'X86_MMIO_FETCH_EXIT';

const RESUMES = 'resumes every zero-length fetch exit (a generic MMIO read of nothing), on a kernel that raises them';

export const FAMILY_TABLE: readonly FamilyRow[] = [
  { qemu: 'stock', needs: [MMIO_FETCH_EXIT], family: 'mmio-exit', why: RESUMES },
  { qemu: 'stock', family: 'stock', why: 'deletes and re-adds the slot with two ioctls' },
  { qemu: 'paused-vcpu', needs: [MMIO_FETCH_EXIT], family: 'mmio-exit', why: `keeps vCPUs out while it deletes and re-adds, and ${RESUMES}` },
  { qemu: 'paused-vcpu', family: 'paused-vcpu', why: 'keeps vCPUs out of KVM_RUN while it deletes and re-adds' },
  { qemu: 'atomic-ioctl', needs: ['USER_MEMORY_REGION_LIST'], family: 'atomic-ioctl', why: 'sends the slot changes as one list' },
  { qemu: 'atomic-ioctl', needs: [MMIO_FETCH_EXIT], family: 'mmio-exit', why: `has no list ioctl to use, and ${RESUMES}` },
  { qemu: 'atomic-ioctl', qemuSince: '8.0', family: 'paused-vcpu', why: "falls back to upstream's accelerator blocker: the kernel has no list ioctl" },
  { qemu: 'atomic-ioctl', family: 'stock', why: 'falls back to two ioctls: the kernel has no list ioctl' },
  { qemu: 'mmio-aware', needs: [MMIO_FETCH_EXIT], family: 'mmio-aware', why: 'resumes a zero-length fetch exit only while its own memory map change can explain it, else stops the guest' },
  { qemu: 'mmio-aware', family: 'stock', why: 'raises no fetch exits without the kernel capability: it deletes and re-adds with two ioctls, as stock' },
];

/** `major.minor` of a `QEMU emulator version X.Y.Z` line, as a number pair. */
function qemuRelease(version: string | undefined): [number, number] | undefined {
  const match = /version (\d+)\.(\d+)/.exec(version ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function atLeast(version: string | undefined, since: string): boolean {
  const release = qemuRelease(version);
  const [major, minor] = since.split('.').map(Number) as [number, number];
  return release !== undefined && (release[0] > major || (release[0] === major && release[1] >= minor));
}

/**
 * The fix a build carries on a host with these KVM capabilities (undefined: not
 * known, so the build's own family); `qemuVersion` is the build's version line.
 */
export function cellFamily(qemu: BuildFamily, kvm: Record<string, number> | undefined, qemuVersion?: string): CellFamily {
  if (kvm === undefined) return qemu;
  const row = FAMILY_TABLE.find(
    (candidate) =>
      candidate.qemu === qemu &&
      (candidate.qemuSince === undefined || atLeast(qemuVersion, candidate.qemuSince)) &&
      (candidate.needs ?? []).every((cap) => (kvm[cap] ?? 0) > 0),
  );
  return row?.family ?? qemu;
}
