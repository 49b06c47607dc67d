// tier: nested
/*
 * The critic's case, measured inside kernels under test (L1 under TCG): a vCPU sent
 * to a GPA without a slot or a device is stopped under 6.1-stock, livelocked under
 * 6.1-mmio-exit with an unmodified QEMU (every zero-length fetch exit re-entered),
 * and stopped again by 7.2-mmio-aware, which resumes such exits only inside its own
 * memory map change.
 */
import t from 'tap';
import { iterationsThatRan, runInKernel } from '../fixtures/kernel-under-test.js';

const WEEDS = '0xc0000000';

t.test('weeds under 6.1-stock: 7.2-stock stops the guest with an emulation failure at the weeds address', async (t) => {
  const records = await runInKernel(t, '6.1-stock', 'weeds', ['7.2-stock'], 2, 1);
  for (const record of iterationsThatRan(t, records, '7.2-stock', 2)) {
    t.equal(record.family, 'stock');
    t.equal(record.expected, 'stopped');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}: ${record.stopReason} ${record.stderrExcerpt}`);
    t.match(record.failure, { runState: 'internal-error', suberror: 1, emulationFailure: true, vcpu: 1, instructionPointerHex: WEEDS });
  }
});

t.test('weeds under 6.1-mmio-exit: 7.2-stock livelocks (RIP still, MMIO exits rising, loop counter still); 7.2-mmio-aware stops it naming the GPA', async (t) => {
  const records = await runInKernel(t, '6.1-mmio-exit', 'weeds', ['7.2-stock', '7.2-mmio-aware'], 2, 1);
  for (const record of iterationsThatRan(t, records, '7.2-stock', 2)) {
    t.equal(record.family, 'mmio-exit');
    t.equal(record.expected, 'livelock');
    t.equal(record.outcome, 'livelock', `iteration ${record.iteration}: ${record.stopReason} ${record.stderrExcerpt} ${JSON.stringify(record.progressAfter)}`);
    const evidence = record.livelock;
    t.match(evidence, { vcpu: 1, counterStill: true });
    // Stuck in the unbacked range: once (CI, 2026-12-06) the vCPU stood at 0xc000033a, 826 bytes in, re-entered there for ever.
    const rip = Number(evidence?.instructionPointerHex ?? 0);
    t.ok(rip >= Number(WEEDS) && rip < Number(WEEDS) + 0x1000, `RIP ${evidence?.instructionPointerHex} in the page without a slot at ${WEEDS}`);
    const [before, after] = evidence?.exits.mmio_exits ?? [0, 0];
    t.ok(after - before >= 10, `its MMIO exits rose: ${before} -> ${after} in ${evidence?.sampleMs} ms`);
    t.ok((evidence?.stuckMs ?? 0) >= (evidence?.sampleMs ?? Infinity), 'stuck at least over the samples');
    t.ok(BigInt(record.progressAfter[0]!) > BigInt(record.progressBefore[0]!) && BigInt(record.progressAfter[2]!) > BigInt(record.progressBefore[2]!), 'the other vCPUs spin on');
  }
  for (const record of iterationsThatRan(t, records, '7.2-mmio-aware', 2)) {
    t.equal(record.family, 'mmio-aware');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}: ${record.stopReason}`);
    t.match(record.failure, { runState: 'internal-error', fetchWithoutSlotGpa: WEEDS, vcpu: 1, instructionPointerHex: WEEDS });
    t.notOk(record.livelock);
  }
});
