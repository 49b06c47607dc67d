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
  /** Bytes of the loop copied to each vCPU's slot. */
  loopBytes: 9,
  bannerPattern: /slotlab spin: 0x([0-9a-f]{8}) vCPUs running at 0x([0-9a-f]{8}) stride 0x([0-9a-f]{8})/,
} as const;

export interface SpinConfig {
  cpus: number;
  codeAddress: number;
  codeStride: number;
  /** vCPU 0 flips this PAM register itself instead of spinning (the in-guest mutator). */
  pamGuest?: { register: number; values: [number, number]; toggles: number };
}

export function encodeSpinConfig(config: SpinConfig): Buffer {
  if (config.cpus < 1 || config.cpus > SPIN.maxCpus) throw new RangeError(`spin supports 1..${SPIN.maxCpus} vCPUs, not ${config.cpus}`);
  if (config.codeStride < SPIN.loopBytes) throw new RangeError(`code stride ${config.codeStride} is shorter than the ${SPIN.loopBytes}-byte loop`);
  const buffer = Buffer.alloc(32);
  buffer.writeUInt32LE(SPIN.configMagic, 0);
  buffer.writeUInt32LE(SPIN.configVersion, 4);
  buffer.writeUInt32LE(config.cpus, 8);
  buffer.writeUInt32LE(config.codeAddress, 12);
  buffer.writeUInt32LE(config.codeStride, 16);
  if (config.pamGuest) {
    buffer.writeUInt32LE(1, 0x14);
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
    counters,
  };
}

/** The guest-physical range [start, end) that holds every vCPU's loop. */
export function loopRange(config: SpinConfig): { start: number; end: number } {
  return { start: config.codeAddress, end: config.codeAddress + (config.cpus - 1) * config.codeStride + SPIN.loopBytes };
}

/** Which vCPU's loop copy holds `address`, if any. */
export function vcpuOfAddress(config: SpinConfig, address: number): number | undefined {
  const offset = address - config.codeAddress;
  if (offset < 0) return undefined;
  const index = Math.floor(offset / config.codeStride);
  return index < config.cpus && offset % config.codeStride < SPIN.loopBytes ? index : undefined;
}
