// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import { decodeEmulationExit, findFailingVcpu, parseInternalError, stderrExcerpt } from '../../orchestrator/machine/internal-error.js';
import { repoRoot } from '../../orchestrator/paths.js';

/** QEMU's output kept as a flight file of a published run. */
const published = (file: string) => zlib.gunzipSync(fs.readFileSync(path.join(repoRoot, 'results', file))).toString('utf8');

// As QEMU 7.2 printed it on this host for the pam-qmp suite.
const STDERR = `qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]
KVM internal error. Suberror: 1
extra data[0]: 0x0000000000000000
extra data[1]: 0x0000000000001000
emulation failure
EAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1
ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000
EIP=00100087 EFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
ES =0010 00000000 ffffffff 00c09300 DPL=0 DS   [-WA]
`;

const INFO_REGISTERS = `
CPU#0
EAX=00100000 EBX=00005040 ECX=001e8420 EDX=00000003
ESI=004003a1 EDI=00006026 EBP=00000000 ESP=00080000
EIP=00100003 EFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0

CPU#1
EAX=00100040 EBX=00005048 ECX=00000000 EDX=00060fb1
ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000
EIP=00100047 EFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0

CPU#2
EAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1
ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000
EIP=00100087 EFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
`;

t.test('parses suberror, emulation failure and EIP', async (t) => {
  const report = parseInternalError(STDERR)!;
  t.equal(report.suberror, 1);
  t.equal(report.emulationFailure, true);
  t.equal(report.instructionPointer, 0x100087);
  t.equal(report.instructionPointerHex, '0x100087');
  t.equal(report.registerLines.length, 2);
});

t.test('finds the failing vCPU by its registers', async (t) => {
  t.equal(findFailingVcpu(parseInternalError(STDERR)!, INFO_REGISTERS), 2);
  t.equal(findFailingVcpu(parseInternalError(STDERR)!, 'CPU#0\nEAX=1 EBX=2\n'), undefined);
});

t.test('64-bit dumps use RIP', async (t) => {
  const report = parseInternalError('KVM internal error. Suberror: 3\nRAX=0000000000000001 RBX=0000000000000002 RCX=0000000000000003 RDX=0000000000000004\nRIP=ffffffff81074f59 RFL=00000046\n')!;
  t.equal(report.suberror, 3);
  t.equal(report.emulationFailure, false);
  t.equal(report.instructionPointer, 0xffffffff81074f59);
  t.equal(report.instructionPointerHex, '0xffffffff81074f59', 'exact, where the number rounds');
  t.not(report.instructionPointer!.toString(16), 'ffffffff81074f59');
});

t.test('an mmio-aware QEMU that stops a fetch without a slot: the GPA, no suberror, and the dump that follows', async (t) => {
  const stderr = [
    'KVM: instruction fetch from GPA 0xd0000000 without a memory slot, outside any memory map change: the vCPU is in unbacked memory; stopping the guest',
    'EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663',
    'EIP=d0000000 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0',
    '',
  ].join('\n');
  const report = parseInternalError(stderr)!;
  t.equal(report.suberror, undefined);
  t.equal(report.fetchWithoutSlotGpa, '0xd0000000');
  t.equal(report.emulationFailure, false);
  t.equal(report.instructionPointerHex, '0xd0000000');
  t.match(stderrExcerpt(`noise before\n${stderr}`), /^KVM: instruction fetch from GPA 0xd0000000/);
});

t.test('no internal error, no report', async (t) => {
  t.equal(parseInternalError('qemu-system-x86_64: terminating on signal 15'), undefined);
});

t.test('the excerpt starts at the error, or is the tail', async (t) => {
  t.equal(stderrExcerpt(STDERR, 3), 'KVM internal error. Suberror: 1\nemulation failure\nEAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1');
  t.equal(stderrExcerpt('a\nb\nc\n', 2), 'b\nc');
});

t.test("the exit behind an emulation failure, from published losses: a #PF fetch on this host's kvm_pvm, an NPF fetch at L2", async (t) => {
  // debian-7.2's pam-qmp loss on the host: the #PF intercept (0x40 + 14), error code 0x10 (fetch), at EIP 0x100080.
  const host = parseInternalError(published('20261203-190253-pam-qmp-4394/7.2-stock.0.qemu-output.log.gz'))!;
  t.same(host.extraData, ['0x0000000000000000', '0x000000000000004e', '0x0000000000000010', '0x0000000000100080', '0x0000000000000000', '0x0000000000000000']);
  t.same(decodeEmulationExit(host.extraData, true), { reasonHex: '0x4e', name: '#PF', info1Hex: '0x10', info2Hex: '0x100080', fetch: true });
  t.match(host.code, /^00 00 .* <83> 03 01 83 53 04 00 eb f7/, "QEMU's code bytes, the failing one in <>, kept");
  // weeds inside 6.1-atomic-ioctl: NPF (0x400), fetch bit and the guest-final bit (bit 32), the GPA with no slot.
  const l2 = parseInternalError(published('20261203-194822-weeds-ed07/7.2-atomic-ioctl.0.qemu-output.log.gz'))!;
  t.same(decodeEmulationExit(l2.extraData, true), { reasonHex: '0x400', name: 'NPF', info1Hex: '0x100000014', info2Hex: '0xc0000000', fetch: true });
  t.same(decodeEmulationExit(l2.extraData, false), { reasonHex: '0x400', info1Hex: '0x100000014', info2Hex: '0xc0000000' }, 'not SVM: no names or bits read into the numbers');
});

t.test('an emulation failure with the instruction bytes (flag bit 0): the exit comes after them', async (t) => {
  // flags 1; length 3 and the bytes 0f 01 d9 packed little-endian after it; then NPF, info1, info2.
  const data = ['0x1', '0x00000000d9010f03', '0x0', '0x400', '0x4', '0xfee00000', '0x0', '0x0'];
  t.same(decodeEmulationExit(data, true), { reasonHex: '0x400', name: 'NPF', info1Hex: '0x4', info2Hex: '0xfee00000', fetch: false, instructionBytesHex: '0f01d9' });
  t.equal(decodeEmulationExit(['0x0', '0x400'], true), undefined, 'too short: nothing decoded');
  t.equal(decodeEmulationExit([], true), undefined, 'a kernel that prints no extra data');
  t.same(parseInternalError('KVM internal error. Suberror: 1\nextra data[0]: 4e\nemulation failure\n')!.extraData, ['0x4e'], 'printed without 0x by older QEMUs');
  t.same(parseInternalError('KVM internal error. Suberror: 1\nextra data[0]: 0x0\nemulation failure\nKVM internal error. Suberror: 1\nextra data[0]: 0x1\n')!.extraData, ['0x0'], "the first report's words only, not a second vCPU's");
});
