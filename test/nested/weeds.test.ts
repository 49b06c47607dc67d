// tier: nested
/*
 * The critic's case, measured inside kernels under test (L1 under TCG): a vCPU sent
 * to a GPA without a slot or a device is stopped under 6.1-stock, livelocked under
 * 6.1-mmio-exit with an unmodified QEMU (every zero-length fetch exit re-entered),
 * and stopped again by 7.2-mmio-aware, which resumes such exits only inside its own
 * memory map change.
 */
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readFlightFile } from '../../orchestrator/results/flight-files.js';
import { runFiles } from '../../orchestrator/results/run-store.js';
import { acceptFinding } from '../fixtures/findings.js';
import { iterationsThatRan, runInKernel } from '../fixtures/kernel-under-test.js';

const WEEDS = '0xc0000000';

t.test('weeds under 6.1-stock: 7.2-stock stops the guest with an emulation failure at the weeds address', async (t) => {
  const records = await runInKernel(t, '6.1-stock', 'weeds', ['7.2-stock'], 2, 1);
  for (const record of iterationsThatRan(t, records, '7.2-stock', 2)) {
    t.equal(record.family, 'stock');
    t.equal(record.expected, 'stopped');
    t.ok(record.load && record.load.before.loadavg1 >= 0 && record.load.after.loadavg1 >= 0, "L1's load at the iteration's start and end");
    t.match(record.host.bootId, /^[0-9a-f-]{36}$/, 'the L1 boot that ran it');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}: ${record.stopReason} ${record.stderrExcerpt}`);
    t.match(record.failure, { runState: 'internal-error', suberror: 1, emulationFailure: true, vcpu: 1, instructionPointerHex: WEEDS });
    // An NPF on an instruction fetch at the weeds GPA: the exit KVM tried to emulate, decoded from QEMU's extra data.
    t.match(record.failure?.exit, { reasonHex: '0x400', name: 'NPF', fetch: true, info2Hex: WEEDS });
    t.ok(record.flight?.registers && record.flight?.pages, 'the lost guest keeps every vCPU\'s registers and pages');
  }
});

t.test('weeds under 6.1-mmio-exit: 7.2-stock livelocks at the weeds address (drifting elsewhere in its page, or a guest reset, only as finding weeds-mmio-exit-rip-in-page), MMIO exits rising, loop counter still; 7.2-mmio-aware stops it naming the GPA', async (t) => {
  const records = await runInKernel(t, '6.1-mmio-exit', 'weeds', ['7.2-stock', '7.2-mmio-aware'], 2, 1);
  const ran = iterationsThatRan(t, records, '7.2-stock', 2);
  // The vCPU stands at the address it jumped to. Stuck deeper in its page, moving through it (no still RIP: survived),
  // or a guest reset are finding weeds-mmio-exit-rip-in-page, accepted within its bound and checked for what it says.
  const offTarget = (record: IterationRecord) => (record.outcome === 'livelock' && record.livelock?.instructionPointerHex !== WEEDS) || record.outcome === 'survived' || record.outcome === 'guest-lost';
  const drifted = acceptFinding(t, 'weeds-mmio-exit-rip-in-page', ran.filter(offTarget), 2, '7.2-stock @ 6.1-mmio-exit');
  for (const record of ran) {
    t.equal(record.family, 'mmio-exit');
    t.equal(record.expected, 'livelock');
    if (drifted.includes(record) && record.outcome === 'guest-lost') {
      t.match(record.failure?.runState, /guest-reset/, `iteration ${record.iteration}: lost by a reset, not stopped by QEMU`);
      continue;
    }
    t.ok(record.flight?.registers && record.flight?.pages, "the guest QEMU still ran keeps every vCPU's registers and pages");
    if (drifted.includes(record)) {
      // Where vCPU 1 was, from its own registers: in the page without a slot, past its first byte.
      const registers = readFlightFile(runFiles(record.runId).records, record.flight!.registers!);
      const eip = Number.parseInt(/^CPU#1\s*$[\s\S]*?\b[ER]IP=([0-9a-f]+)/m.exec(registers)?.[1] ?? '0', 16);
      t.ok(eip > Number(WEEDS) && eip < Number(WEEDS) + 0x1000, `vCPU 1 at 0x${eip.toString(16)}, in the page without a slot at ${WEEDS}`);
      continue;
    }
    t.equal(record.outcome, 'livelock', `iteration ${record.iteration}: ${record.stopReason} ${record.stderrExcerpt} ${JSON.stringify(record.progressAfter)}`);
    const evidence = record.livelock;
    t.match(evidence, { vcpu: 1, counterStill: true });
    t.equal(evidence?.instructionPointerHex, WEEDS, 'stuck at the address it jumped to');
    const [before, after] = evidence?.exits.mmio_exits ?? [0, 0];
    t.ok(after - before >= 10, `its MMIO exits rose: ${before} -> ${after} in ${evidence?.sampleMs} ms`);
    t.ok((evidence?.stuckMs ?? 0) >= (evidence?.sampleMs ?? Infinity), 'stuck at least over the samples');
    t.ok(BigInt(record.progressAfter[0]!) > BigInt(record.progressBefore[0]!) && BigInt(record.progressAfter[2]!) > BigInt(record.progressBefore[2]!), 'the other vCPUs spin on');
  }
  t.ok(ran.some((record) => !drifted.includes(record)), 'at least one iteration livelocked at the weeds address');
  for (const record of iterationsThatRan(t, records, '7.2-mmio-aware', 2)) {
    t.equal(record.family, 'mmio-aware');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}: ${record.stopReason}`);
    t.match(record.failure, { runState: 'internal-error', fetchWithoutSlotGpa: WEEDS, vcpu: 1, instructionPointerHex: WEEDS });
    t.notOk(record.livelock);
  }
});
