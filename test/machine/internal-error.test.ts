// tier: unit
import t from 'tap';
import { findFailingVcpu, parseInternalError, stderrExcerpt } from '../../orchestrator/machine/internal-error.js';

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
