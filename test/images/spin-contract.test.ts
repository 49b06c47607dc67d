// tier: unit
import fs from 'node:fs';
import t from 'tap';
import { SPIN, decodeMailbox, decodeStalls, encodeSpinConfig, loopRange, vcpuOfAddress } from '../../orchestrator/images/spin-contract.js';

const asm = fs.readFileSync('images/spin/spin.asm', 'utf8');
const constant = (name: string) => Number(new RegExp(`^${name}\\s+equ\\s+(0x[0-9a-f]+|\\d+)`, 'mi').exec(asm)![1]);

t.test('the TypeScript side of the contract agrees with the assembly', async (t) => {
  t.equal(constant('MAILBOX'), SPIN.mailboxAddress);
  t.equal(constant('IMAGE_BASE'), SPIN.imageBase);
  t.equal(constant('MAILBOX_MAGIC'), SPIN.mailboxMagic);
  t.equal(constant('CONFIG_MAGIC'), SPIN.configMagic);
  t.equal(constant('MB_COUNTERS'), SPIN.countersOffset);
  t.equal(constant('MAX_CPUS'), SPIN.maxCpus);
  t.equal(constant('DEFAULT_CODE'), SPIN.defaultCodeAddress);
  t.equal(constant('DEFAULT_STRIDE'), SPIN.defaultCodeStride);
  t.ok(asm.includes(`"${SPIN.fwCfgName}"`));
  t.same([constant('MB_TOGGLES'), constant('MB_CYCLES'), constant('MB_MAX_CYCLES'), constant('MB_LAST_TSC'), constant('MB_MUTATOR_DONE')], [0x18, 0x20, 0x28, 0x30, 0x38]);
  t.same([constant('CFG_FLAGS'), constant('CFG_PAM_REG'), constant('CFG_PAM_A'), constant('CFG_PAM_B'), constant('CFG_TOGGLES')], [0x14, 0x18, 0x19, 0x1a, 0x1c]);
  t.same([constant('CFG_SETUP'), constant('CFG_CODE_HI'), constant('CODE_WINDOW')], [0x20, 0x30, SPIN.codeWindow]);
  t.match(asm, new RegExp(`cfg_raw:\\s+times ${SPIN.configBytes} db 0`));
});

t.test('config encoding', async (t) => {
  const blob = encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40 });
  t.equal(blob.length, SPIN.configBytes);
  t.equal(blob.readUInt32LE(0x30), 0, 'code below 4 GiB');
  t.ok(blob.subarray(0x20, 0x30).every((byte) => byte === 0), 'no setup writes');
  t.same([blob.readUInt32LE(0), blob.readUInt32LE(4), blob.readUInt32LE(8), blob.readUInt32LE(12), blob.readUInt32LE(16)], [SPIN.configMagic, 1, 3, 0x100000, 0x40]);
  t.equal(blob.readUInt32LE(0x14), 0, 'no in-guest mutator unless asked');
  const guest = encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40, pamGuest: { register: 0x59, values: [0x10, 0x30], toggles: 20000 } });
  t.same([guest.readUInt32LE(0x14), guest[0x18], guest[0x19], guest[0x1a], guest.readUInt32LE(0x1c)], [1, 0x59, 0x10, 0x30, 20000]);
  t.throws(() => encodeSpinConfig({ cpus: 0, codeAddress: 0, codeStride: 0x40 }), RangeError);
  t.throws(() => encodeSpinConfig({ cpus: 65, codeAddress: 0, codeStride: 0x40 }), RangeError);
  t.throws(() => encodeSpinConfig({ cpus: 1, codeAddress: 0, codeStride: 4 }), RangeError);
});

t.test('weeds mode: flag bit 1, the address and the vCPU, at the offsets spin.asm reads', async (t) => {
  const blob = encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40, weeds: { vcpu: 2, address: 0xc000_0000 } });
  t.same([blob.readUInt32LE(0x14), blob.readUInt32LE(0x34), blob.readUInt32LE(0x38)], [2, 0xc000_0000, 2]);
  t.same([constant('CFG_WEEDS_ADDR'), constant('CFG_WEEDS_CPU'), constant('FLAG_WEEDS'), constant('MB_WEEDS_JUMPED')], [0x34, 0x38, 2, 0x3c]);
  t.throws(() => encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40, weeds: { vcpu: 3, address: 0xc000_0000 } }), /weeds vCPU 3 does not exist/);
  t.throws(() => encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40, weeds: { vcpu: 1, address: 2 ** 32 } }), /below 4 GiB/);
  const page = Buffer.alloc(0x1000);
  page.writeUInt32LE(1, 0x3c);
  t.equal(decodeMailbox(page).weedsJumped, true);
});

t.test('paging with the tables where the suite puts them: flag bit 2, the address at 0x3c', async (t) => {
  const blob = encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40, pageTables: 0x200000 });
  t.same([blob.readUInt32LE(0x14), blob.readUInt32LE(0x3c)], [4, 0x200000]);
  t.same([constant('FLAG_PAGING'), constant('CFG_PAGE_TABLES')], [4, 0x3c]);
  t.equal(encodeSpinConfig({ cpus: 3, codeAddress: 0x100000, codeStride: 0x40 }).readUInt32LE(0x3c), 0, 'no tables unless asked');
  t.throws(() => encodeSpinConfig({ cpus: 1, codeAddress: 0x100000, codeStride: 0x40, pageTables: 0x200800 }), /4 KiB-aligned/);
  t.throws(() => encodeSpinConfig({ cpus: 1, codeAddress: 0x100000, codeStride: 0x40, pageTables: 0xffffc000 }), /below 4 GiB/);
  t.throws(() => encodeSpinConfig({ cpus: 2, codeAddress: 0x200040, codeStride: 0x40, pageTables: 0x200000 }), /overwrite the vCPUs' loops/);
  t.throws(() => encodeSpinConfig({ cpus: 2, codeAddress: 0x100000, codeStride: 0x40, pageTables: 0x3fb000 }), /overwrite the guest image/);
  t.throws(() => encodeSpinConfig({ cpus: 2, codeAddress: 0x100000, codeStride: 0x40, pageTables: 0x200000, weeds: { vcpu: 1, address: 0xc000_0000 } }), /without paging/);
});

t.test('setup writes and code above 4 GiB', async (t) => {
  const blob = encodeSpinConfig({ cpus: 2, codeAddress: 0x1_0000_1000, codeStride: 0x40, setupWrites: [{ register: 0x5e, value: 0x33 }, { register: 0x5f, value: 0x11 }] });
  t.same([...blob.subarray(0x20, 0x26)], [0x5e, 0x33, 0x5f, 0x11, 0, 0]);
  t.same([blob.readUInt32LE(12), blob.readUInt32LE(0x30)], [0x1000, 1]);
  t.same(loopRange({ cpus: 2, codeAddress: 0x1_0000_1000, codeStride: 0x40 }), { start: SPIN.codeWindow + 0x1000, end: SPIN.codeWindow + 0x1000 + 0x40 + SPIN.loopBytes }, 'vCPUs see the loops in the window');
  t.equal(vcpuOfAddress({ cpus: 2, codeAddress: 0x1_0000_1000, codeStride: 0x40 }, SPIN.codeWindow + 0x1042), 1);
  const nine = Array.from({ length: 9 }, () => ({ register: 0x5e, value: 0x33 }));
  t.throws(() => encodeSpinConfig({ cpus: 1, codeAddress: 0x100000, codeStride: 0x40, setupWrites: nine }), /at most 8 setup writes/);
  t.throws(() => encodeSpinConfig({ cpus: 1, codeAddress: 0x100000, codeStride: 0x40, setupWrites: [{ register: 0, value: 1 }] }), /register 0x01\.\.0xff/);
  t.throws(() => encodeSpinConfig({ cpus: 4, codeAddress: 0x1_001f_0000, codeStride: 0x100000 }), /4 MiB window/);
});

t.test('mailbox decoding', async (t) => {
  const page = Buffer.alloc(SPIN.mailboxSize);
  page.writeUInt32LE(SPIN.mailboxMagic, 0);
  page.writeUInt32LE(2, 0x08);
  page.writeUInt32LE(2, 0x0c);
  page.writeUInt32LE(0x100000, 0x10);
  page.writeUInt32LE(0x40, 0x14);
  page.writeBigUInt64LE(5n, 0x40);
  page.writeBigUInt64LE(2n ** 40n, 0x48);
  page.writeBigUInt64LE(7n, 0x18);
  page.writeBigUInt64LE(7000n, 0x20);
  page.writeBigUInt64LE(2000n, 0x28);
  page.writeBigUInt64LE(123456789n, 0x30);
  page.writeUInt32LE(1, 0x38);
  t.same(decodeMailbox(page), {
    ready: true,
    online: 2,
    cpus: 2,
    codeAddress: 0x100000,
    codeStride: 0x40,
    toggles: 7,
    toggleCycles: 7000n,
    maxToggleCycles: 2000n,
    lastTsc: 123456789n,
    mutatorDone: true,
    weedsJumped: false,
    counters: [5n, 2n ** 40n],
  });
  t.equal(decodeMailbox(Buffer.alloc(SPIN.mailboxSize)).ready, false);
});

t.test('loop addresses', async (t) => {
  const config = { cpus: 3, codeAddress: 0x100000, codeStride: 0x40 };
  t.same(loopRange(config), { start: 0x100000, end: 0x100089 });
  t.equal(vcpuOfAddress(config, 0x100003), 0);
  t.equal(vcpuOfAddress(config, 0x100087), 2);
  t.equal(vcpuOfAddress(config, 0x100049), undefined, 'between two loops');
  const stalls = { ...config, stalls: true };
  t.same(loopRange(stalls), { start: 0x100000, end: 0x1000b0 }, 'the stall loop is 48 bytes');
  t.equal(vcpuOfAddress(stalls, 0x1000af), 2);
  t.equal(vcpuOfAddress(stalls, 0x100035), undefined);
  t.equal(encodeSpinConfig(stalls).readUInt32LE(0x14) & 8, 8, 'flag bit 3');
  t.equal(encodeSpinConfig(config).readUInt32LE(0x14) & 8, 0);
  t.equal(vcpuOfAddress(config, 0x0fffff), undefined);
  t.equal(vcpuOfAddress(config, 0x1000c0), undefined, 'past the last vCPU');
});

t.test('the loop length and the stall records are the image\'s: assembled here, its listing read', async (t) => {
  const { execa } = await import('execa');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-spin-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await execa('nasm', ['-f', 'bin', '-l', path.join(dir, 'spin.lst'), '-o', path.join(dir, 'spin.bin'), path.join(import.meta.dirname, '..', '..', 'images', 'spin', 'spin.asm')]);
  const listing = fs.readFileSync(path.join(dir, 'spin.lst'), 'utf8');
  // The copy's length is an immediate the assembler computed: `mov ecx, <end> - <start>` (B9 imm32, little-endian).
  const length = (template: string) => Buffer.from(new RegExp(`B9([0-9A-F]{8})\\s+mov ecx, ${template}_end - ${template}\\s*$`, 'm').exec(listing)![1]!, 'hex').readUInt32LE(0);
  t.equal(length('loop_template'), 9, 'the plain loop is 9 bytes');
  t.equal(length('stall_loop_template'), 48, 'the loop that keeps stall records is 48 bytes');
  t.equal(SPIN.loopBytes, 9);
  t.equal(SPIN.stallLoopBytes, 48);
  t.match(listing, /STALLS\s+equ 0x00010000/);
  t.match(listing, /STALL_RECORD\s+equ 0x100\b/);
  t.throws(() => encodeSpinConfig({ cpus: 2, codeAddress: 0x13000, codeStride: 0x1000, stalls: true }), /overwrite the stall records at 0x10000-0x13fff/);
  t.doesNotThrow(() => encodeSpinConfig({ cpus: 2, codeAddress: 0x13000, codeStride: 0x1000 }), 'no stall records, nothing to overwrite');
});

t.test('stall records: the last TSC, then 32 log2 buckets per vCPU', async (t) => {
  const bytes = Buffer.alloc(3 * 0x100);
  bytes.writeBigUInt64LE(123456789n, 0x100);
  bytes.writeUInt32LE(7, 0x100 + 8 + 4 * 5);
  bytes.writeUInt32LE(1, 0x100 + 8 + 4 * 31);
  const [first, second] = decodeStalls(bytes, 2);
  t.same(first, { lastTsc: 0n, buckets: new Array(32).fill(0) });
  t.equal(second!.lastTsc, 123456789n);
  t.equal(second!.buckets[5], 7);
  t.equal(second!.buckets[31], 1);
  t.equal(second!.buckets.reduce((sum, count) => sum + count, 0), 8);
});
