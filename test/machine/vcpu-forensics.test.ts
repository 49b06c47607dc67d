// tier: host
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { SPIN, loopAddress, loopRange } from '../../orchestrator/images/spin-contract.js';
import { QemuMachine } from '../../orchestrator/machine/machine.js';
import { captureVcpuForensics, registerBlocks } from '../../orchestrator/machine/vcpu-forensics.js';
import { spinMachineConfig } from '../../orchestrator/runner/spin-machine.js';

// A real-mode and a long-mode block as QEMU prints them (`info registers -a`, trimmed to what is read).
const REAL_AND_LONG = `CPU#0
EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663
EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0
CS =f000 ffff0000 0000ffff 00009b00 DPL=0 CS16 [-RA]
CPU#1
RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000000 RDX=0000000000000000
RIP=ffffffff81000123 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
CS =0010 00000000 00000000 00209b00 DPL=0 CS64 [-RA]
`;

t.test('register blocks: the linear address is CS base + EIP outside long mode, RIP in it', async (t) => {
  const blocks = registerBlocks(REAL_AND_LONG);
  t.same(
    blocks.map((block) => ({ vcpu: block.vcpu, ip: block.instructionPointerHex, linear: `0x${block.linear.toString(16)}` })),
    [
      { vcpu: 0, ip: '0xfff0', linear: '0xfffffff0' },
      { vcpu: 1, ip: '0xffffffff81000123', linear: '0xffffffff81000123' },
    ],
  );
  t.same(registerBlocks('no such dump'), []);
});

t.test('a running spin guest: every vCPU, the page at its instruction pointer and its loop page, as the guest memory holds them (TCG: no KVM needed)', async (t) => {
  const spin = { cpus: 2, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride };
  const build = await resolveBuild('debian-7.2');
  const machine = new QemuMachine({ ...spinMachineConfig(build, { type: 'pc', memoryMiB: 64 }, spin, imagePath('spin')), accel: 'tcg' });
  t.teardown(() => machine.shutdown());
  await machine.launch();
  await machine.cont();
  await machine.waitSerial(SPIN.bannerPattern, 120_000, 'the spin banner');
  await machine.qmp.execute('stop');
  const own = [0, 1].map((vcpu) => ({ vcpu, address: loopAddress(spin) + vcpu * spin.codeStride }));
  const forensics = await captureVcpuForensics(machine, own);
  t.ok(forensics, 'QEMU runs: captured');
  t.match(forensics!.registers, /^CPU#0\s*$/m);
  t.match(forensics!.registers, /^CPU#1\s*$/m);
  t.match(forensics!.registers, /^EIP=0010[0-9a-f]{4} /m, "QEMU's own text: each vCPU's EIP line, in the loops at 0x100000");
  t.equal(forensics!.pages.length, 4, 'a page per vCPU at its instruction pointer, and each loop page');
  const range = loopRange(spin);
  for (const page of forensics!.pages) {
    t.notOk(page.error, `vCPU ${page.vcpu} ${page.what}: read`);
    const bytes = Buffer.from(page.base64!, 'base64');
    t.equal(bytes.length, 4096);
    // Paging is off in the spin guest: linear is physical, so the physical read (pmemsave) must agree.
    t.same(bytes, await machine.readGuestMemory(Number.parseInt(page.pageHex, 16), 4096), `vCPU ${page.vcpu} ${page.what} ${page.pageHex}: the bytes memsave and pmemsave read agree`);
    if (page.what === 'instruction-pointer') {
      const ip = Number.parseInt(page.instructionPointerHex!, 16);
      t.ok(ip >= range.start && ip < range.end, `vCPU ${page.vcpu} stopped in the loops (${page.instructionPointerHex})`);
    }
  }
  await machine.shutdown();
  t.equal(await captureVcpuForensics(machine), undefined, 'nothing to read once QEMU has gone');
});
