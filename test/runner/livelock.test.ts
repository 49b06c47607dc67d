// tier: unit
/*
 * The livelock rule on hand-written vCPU samples (a fake of two query-stats and
 * `info registers` readings; the real ones are taken in test/nested/weeds.test.ts,
 * where a kernel re-enters a vCPU for ever).
 */
import t from 'tap';
import type { VcpuSample } from '../../orchestrator/machine/vcpu-stats.js';
import { MIN_RE_ENTRY_EXITS, judgeLivelock } from '../../orchestrator/runner/livelock.js';

function sample(cpuIndex: number, at: number, ip: string | undefined, stats: VcpuSample['stats']): VcpuSample {
  return { cpuIndex, qomPath: `/machine/unattached/device[${cpuIndex}]`, at, stats, instructionPointerHex: ip };
}

t.test('a still vCPU at one RIP whose MMIO exits keep rising is livelocked, with the evidence', async (t) => {
  const first = [sample(0, 1000, '0x100000', { exits: 10, mmio_exits: 0 }), sample(1, 1000, '0xc0000000', { exits: 500, mmio_exits: 480, halt_exits: 0 })];
  const second = [sample(0, 2000, '0x100004', { exits: 12, mmio_exits: 0 }), sample(1, 2000, '0xc0000000', { exits: 900, mmio_exits: 870, halt_exits: 0 })];
  const evidence = judgeLivelock(first, second, [{ vcpu: 1, lastAdvanceAt: 400 }]);
  t.same(evidence, {
    vcpu: 1,
    instructionPointerHex: '0xc0000000',
    stuckMs: 1600,
    counterStill: true,
    sampleMs: 1000,
    exits: { exits: [500, 900], mmio_exits: [480, 870], halt_exits: [0, 0] },
  });
});

t.test('without a loop counter every vCPU is a candidate, judged by RIP and exits alone', async (t) => {
  const first = [sample(0, 0, '0x1000', { exits: 5, mmio_exits: 5 }), sample(1, 0, '0x2000', { exits: 5, mmio_exits: 5 })];
  const second = [sample(0, 500, '0x1000', { exits: 5 + MIN_RE_ENTRY_EXITS, mmio_exits: 5 + MIN_RE_ENTRY_EXITS }), sample(1, 500, '0x2000', { exits: 6, mmio_exits: 6 })];
  const evidence = judgeLivelock(first, second, undefined);
  t.equal(evidence?.vcpu, 0);
  t.equal(evidence?.counterStill, false);
  t.equal(evidence?.stuckMs, 500, 'no counter: stuck for the sampled span');
});

t.test('not a livelock: a vCPU that moved, one hung in the guest (only timer and halt exits), one not still, one without registers', async (t) => {
  const moved = judgeLivelock([sample(1, 0, '0xc0000000', { mmio_exits: 0 })], [sample(1, 1000, '0xc0000002', { mmio_exits: 100 })], [{ vcpu: 1, lastAdvanceAt: 0 }]);
  t.equal(moved, undefined, 'its RIP changed');
  const hung = judgeLivelock([sample(1, 0, '0x400600', { exits: 0, halt_exits: 0 })], [sample(1, 1000, '0x400600', { exits: 900, halt_exits: 450 })], [{ vcpu: 1, lastAdvanceAt: 0 }]);
  t.equal(hung, undefined, 'cli; hlt or jmp $: exits, but neither MMIO exits nor emulation');
  // Measured on this host's kvm_pvm: a foreign image's `cli; jmp $` at 0x400021 for 1,020 ms.
  const pvmJmp = judgeLivelock(
    [sample(0, 0, '0x400021', { exits: 28767, mmio_exits: 0, insn_emulation: 23733693 })],
    [sample(0, 1020, '0x400021', { exits: 30510, mmio_exits: 0, insn_emulation: 25326267 })],
    undefined,
  );
  t.equal(pvmJmp, undefined, 'emulated instructions alone (kvm_pvm counts them for jmp $) are no livelock');
  const fewMmio = judgeLivelock([sample(1, 0, '0xc0000000', { exits: 0, mmio_exits: 0 })], [sample(1, 1000, '0xc0000000', { exits: 900, mmio_exits: 100 })], undefined);
  t.equal(fewMmio, undefined, 'MMIO exits that are a small share of all exits: a device polled at one RIP now and then');
  const notStill = judgeLivelock([sample(0, 0, '0xc0000000', { mmio_exits: 0 })], [sample(0, 1000, '0xc0000000', { mmio_exits: 100 })], [{ vcpu: 1, lastAdvanceAt: 0 }]);
  t.equal(notStill, undefined, 'only the vCPUs the counters saw still are candidates');
  t.equal(judgeLivelock([sample(1, 0, undefined, { mmio_exits: 0 })], [sample(1, 1000, undefined, { mmio_exits: 100 })], undefined), undefined);
  t.equal(
    judgeLivelock([sample(1, 0, '0xc0000000', { mmio_exits: 0 })], [sample(1, 1000, '0xc0000000', { mmio_exits: MIN_RE_ENTRY_EXITS - 1 })], undefined),
    undefined,
    'too few re-entries to tell from a vCPU interrupted now and then',
  );
});
