/**
 * The `spin` guest's contract, mirrored from images/spin/spin.asm and
 * documented in images/README.md.
 */
export const SPIN = {
  fwCfgName: 'opt/slotlab/spin',
  configMagic: 0x46434c53, // "SLCF"
  configVersion: 1,
  mailboxAddress: 0x5000,
  mailboxSize: 0x1000,
  mailboxMagic: 0x424d4c53, // "SLMB"
  countersOffset: 0x40,
  maxCpus: 64,
  imageBase: 0x00400000,
  defaultCodeAddress: 0x00100000,
  defaultCodeStride: 0x40,
  /** Bytes of the loop copied to each vCPU's slot: the plain counting loop, or with `stalls` the one that keeps stall records. */
  loopBytes: 9,
  stallLoopBytes: 48,
  /** Per vCPU, `stallRecordBytes` apart: the TSC of its last loop iteration (8 bytes), then `stallBuckets` 32-bit counts of the gaps between iterations, bucket k holding gaps of [2^k, 2^(k+1)) TSC cycles (the last also every longer one). */
  stallsAddress: 0x10000,
  stallRecordBytes: 0x100,
  stallBuckets: 32,
  configBytes: 64,
  maxSetupWrites: 8,
  /** Code above 4 GiB runs through 4-level paging (compatibility mode), in a virtual window at this address. */
  codeWindow: 0x40000000,
  /** Bytes of the paging structures: PML4, PDPT and four page directories. */
  pageTablesBytes: 0x6000,
  bannerPattern: /slotlab spin: 0x([0-9a-f]{8}) vCPUs running at 0x([0-9a-f]{8}) stride 0x([0-9a-f]{8})/,
  /** Printed instead of the banner when the host's KVM refuses guest paging (needed for code above 4 GiB). */
  noPagingPattern: /slotlab spin: paging unavailable/,
} as const;

export interface SpinConfig {
  cpus: number;
  /** Guest-physical address of vCPU 0's loop; may lie above 4 GiB (e.g. in a DIMM). */
  codeAddress: number;
  codeStride: number;
  /** Host bridge config bytes the guest writes before it copies its loops (e.g. PAM for shadow RAM). */
  setupWrites?: { register: number; value: number }[];
  /** vCPU 0 flips this PAM register itself instead of spinning (the in-guest mutator). */
  pamGuest?: { register: number; values: [number, number]; toggles: number };
  /** Every vCPU takes NMIs through an IDT; on one, vCPU `vcpu` jumps to `address` (the weeds), the others spin on. */
  weeds?: { vcpu: number; address: number };
  /** Every vCPU runs with 4-level paging whose tables (24 KiB, identity map) the guest builds at this guest-physical address. */
  pageTables?: number;
  /** The loops keep stall records (SPIN.stallsAddress): the 48-byte loop that reads the TSC every iteration. */
  stalls?: boolean;
}

/** Bytes of each vCPU's loop under this configuration. */
export function loopBytes(config: Pick<SpinConfig, 'stalls'>): number {
  return config.stalls ? SPIN.stallLoopBytes : SPIN.loopBytes;
}

const FLAG_PAM_GUEST = 1;
const FLAG_WEEDS = 2;
const FLAG_PAGING = 4;
const FLAG_STALLS = 8;

export function encodeSpinConfig(config: SpinConfig): Buffer {
  if (config.cpus < 1 || config.cpus > SPIN.maxCpus) throw new RangeError(`spin supports 1..${SPIN.maxCpus} vCPUs, not ${config.cpus}`);
  const bytes = loopBytes(config);
  if (config.codeStride < bytes) throw new RangeError(`code stride ${config.codeStride} is shorter than the ${bytes}-byte loop`);
  const writes = config.setupWrites ?? [];
  if (writes.length > SPIN.maxSetupWrites) throw new RangeError(`spin takes at most ${SPIN.maxSetupWrites} setup writes, not ${writes.length}`);
  if (writes.some((write) => write.register < 1 || write.register > 0xff || write.value < 0 || write.value > 0xff)) {
    throw new RangeError('setup writes need a register 0x01..0xff and a byte value');
  }
  const stallsEnd = SPIN.stallsAddress + SPIN.maxCpus * SPIN.stallRecordBytes;
  if (config.stalls && config.codeAddress < stallsEnd && config.codeAddress + (config.cpus - 1) * config.codeStride + bytes > SPIN.stallsAddress) {
    throw new RangeError(`the loops would overwrite the stall records at 0x${SPIN.stallsAddress.toString(16)}-0x${(stallsEnd - 1).toString(16)}`);
  }
  if (config.codeAddress >= 2 ** 32 && (config.codeAddress % 0x200000) + (config.cpus - 1) * config.codeStride + bytes > 0x400000) {
    throw new RangeError('code above 4 GiB must fit the guest\'s 4 MiB window from its 2 MiB page');
  }
  const buffer = Buffer.alloc(SPIN.configBytes);
  buffer.writeUInt32LE(SPIN.configMagic, 0);
  buffer.writeUInt32LE(SPIN.configVersion, 4);
  buffer.writeUInt32LE(config.cpus, 8);
  buffer.writeUInt32LE(config.codeAddress % 2 ** 32, 12);
  buffer.writeUInt32LE(config.codeStride, 16);
  writes.forEach((write, index) => {
    buffer.writeUInt8(write.register, 0x20 + 2 * index);
    buffer.writeUInt8(write.value, 0x21 + 2 * index);
  });
  buffer.writeUInt32LE(Math.floor(config.codeAddress / 2 ** 32), 0x30);
  if (config.weeds) {
    const { vcpu, address } = config.weeds;
    if (vcpu < 0 || vcpu >= config.cpus) throw new RangeError(`the weeds vCPU ${vcpu} does not exist: the guest has ${config.cpus} vCPUs`);
    if (address < 0 || address >= 2 ** 32 || config.codeAddress >= 2 ** 32) throw new RangeError('the weeds jump runs without paging: its address and the code must lie below 4 GiB');
    buffer.writeUInt32LE(buffer.readUInt32LE(0x14) | FLAG_WEEDS, 0x14);
    buffer.writeUInt32LE(address, 0x34);
    buffer.writeUInt32LE(vcpu, 0x38);
  }
  if (config.pageTables !== undefined) {
    const tables = config.pageTables;
    const loopsEnd = config.codeAddress + (config.cpus - 1) * config.codeStride + bytes;
    if (tables % 0x1000 !== 0 || tables < 0 || tables + SPIN.pageTablesBytes > 2 ** 32) throw new RangeError('page tables need a 4 KiB-aligned guest-physical address below 4 GiB');
    if (tables < loopsEnd && config.codeAddress < tables + SPIN.pageTablesBytes) throw new RangeError('the page tables would overwrite the vCPUs\' loops');
    if (tables < SPIN.imageBase + 0x10000 && SPIN.imageBase < tables + SPIN.pageTablesBytes) throw new RangeError(`the page tables would overwrite the guest image at 0x${SPIN.imageBase.toString(16)}`);
    if (config.weeds) throw new RangeError('the weeds jump runs without paging: a weeds guest takes no page tables');
    buffer.writeUInt32LE(buffer.readUInt32LE(0x14) | FLAG_PAGING, 0x14);
    buffer.writeUInt32LE(tables, 0x3c);
  }
  if (config.stalls) buffer.writeUInt32LE(buffer.readUInt32LE(0x14) | FLAG_STALLS, 0x14);
  if (config.pamGuest) {
    buffer.writeUInt32LE(buffer.readUInt32LE(0x14) | FLAG_PAM_GUEST, 0x14);
    buffer.writeUInt8(config.pamGuest.register, 0x18);
    buffer.writeUInt8(config.pamGuest.values[0], 0x19);
    buffer.writeUInt8(config.pamGuest.values[1], 0x1a);
    buffer.writeUInt32LE(config.pamGuest.toggles, 0x1c);
  }
  return buffer;
}

export interface Mailbox {
  ready: boolean;
  online: number;
  cpus: number;
  codeAddress: number;
  codeStride: number;
  /** The in-guest mutator's PAM writes so far, the TSC cycles they took, the longest, and the TSC after the last. */
  toggles: number;
  toggleCycles: bigint;
  maxToggleCycles: bigint;
  lastTsc: bigint;
  mutatorDone: boolean;
  /** The weeds vCPU took the NMI and jumped. */
  weedsJumped: boolean;
  counters: bigint[];
}

export function decodeMailbox(page: Buffer): Mailbox {
  const cpus = Math.min(page.readUInt32LE(0x0c), SPIN.maxCpus);
  const counters: bigint[] = [];
  for (let i = 0; i < cpus; i++) counters.push(page.readBigUInt64LE(SPIN.countersOffset + 8 * i));
  return {
    ready: page.readUInt32LE(0) === SPIN.mailboxMagic,
    online: page.readUInt32LE(0x08),
    cpus,
    codeAddress: page.readUInt32LE(0x10),
    codeStride: page.readUInt32LE(0x14),
    toggles: Number(page.readBigUInt64LE(0x18)),
    toggleCycles: page.readBigUInt64LE(0x20),
    maxToggleCycles: page.readBigUInt64LE(0x28),
    lastTsc: page.readBigUInt64LE(0x30),
    mutatorDone: page.readUInt32LE(0x38) === 1,
    weedsJumped: page.readUInt32LE(0x3c) === 1,
    counters,
  };
}

/** One vCPU's stall record: the TSC its loop last read, and how many gaps between iterations fell in each log2 bucket of TSC cycles. */
export interface StallRecord {
  lastTsc: bigint;
  buckets: number[];
}

/** The stall records of `cpus` vCPUs from the bytes at SPIN.stallsAddress. */
export function decodeStalls(bytes: Buffer, cpus: number): StallRecord[] {
  const records: StallRecord[] = [];
  for (let vcpu = 0; vcpu < Math.min(cpus, SPIN.maxCpus); vcpu++) {
    const base = vcpu * SPIN.stallRecordBytes;
    const buckets: number[] = [];
    for (let k = 0; k < SPIN.stallBuckets; k++) buckets.push(bytes.readUInt32LE(base + 8 + 4 * k));
    records.push({ lastTsc: bytes.readBigUInt64LE(base), buckets });
  }
  return records;
}

/** Where vCPU 0's loop is as the vCPUs see it: the physical address, or its place in the window for code above 4 GiB. */
export function loopAddress(config: SpinConfig): number {
  return config.codeAddress < 2 ** 32 ? config.codeAddress : SPIN.codeWindow + (config.codeAddress % 0x200000);
}

/** The range [start, end) of instruction pointers inside the loops. */
export function loopRange(config: SpinConfig): { start: number; end: number } {
  const start = loopAddress(config);
  return { start, end: start + (config.cpus - 1) * config.codeStride + loopBytes(config) };
}

/** Which vCPU's loop copy holds instruction pointer `address`, if any. */
export function vcpuOfAddress(config: SpinConfig, address: number): number | undefined {
  const offset = address - loopAddress(config);
  if (offset < 0) return undefined;
  const index = Math.floor(offset / config.codeStride);
  return index < config.cpus && offset % config.codeStride < loopBytes(config) ? index : undefined;
}
