import { sleep } from '../machine/machine.js';
import { type VcpuSample, sampleVcpus } from '../machine/vcpu-stats.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import type { LivelockEvidence } from '../results/record.js';

/**
 * MMIO exits to userspace that a vCPU must show between two samples to count as
 * livelocked; they must also be at least half of all its exits. A vCPU re-entered
 * for ever after a fetch without a slot makes one per entry and little else; a vCPU
 * hung in the guest (`cli; jmp $`, or halted) makes timer and halt exits. KVM's
 * `insn_emulation` is kept as evidence but not judged: some hosts' KVM (kvm_pvm)
 * count millions of emulated instructions per second for a plain `jmp $`.
 */
export const MIN_RE_ENTRY_EXITS = 10;

/** A vCPU seen still: its index and when it last advanced (performance.now(); undefined when the guest keeps no counters). */
export interface StillVcpu {
  vcpu: number;
  lastAdvanceAt: number | undefined;
}

/** The guest's loop counters, when it keeps them: the vCPUs seen still so far, and a way to read the counters again. */
export interface CounterView {
  still: { vcpu: number; lastAdvanceAt: number }[];
  readCounters(): Promise<bigint[]>;
}

/**
 * Whether QEMU keeps re-entering a vCPU that makes no progress: two samples of
 * every vCPU `sampleMs` apart (QMP query-stats and its registers). With counters,
 * the candidates are the vCPUs seen still whose counters also stood over the
 * samples (a stall of `sampleMs` at least); a guest without them (a user's image)
 * has every vCPU as a candidate, judged by the same rule without them.
 */
export async function probeLivelock(qmp: QmpClient, counters: CounterView | undefined, sampleMs: number): Promise<LivelockEvidence | undefined> {
  const countedBefore = await counters?.readCounters();
  const first = await sampleVcpus(qmp);
  await sleep(sampleMs);
  const second = await sampleVcpus(qmp);
  const countedAfter = await counters?.readCounters();
  const still = counters?.still.filter(({ vcpu }) => countedBefore?.[vcpu] !== undefined && countedBefore[vcpu] === countedAfter?.[vcpu]);
  return judgeLivelock(first, second, still);
}

/** The first candidate vCPU whose RIP stood and whose MMIO exits rose by MIN_RE_ENTRY_EXITS or more, at least half of its exits. */
export function judgeLivelock(first: VcpuSample[], second: VcpuSample[], still: StillVcpu[] | undefined): LivelockEvidence | undefined {
  const candidates: StillVcpu[] = still ?? first.map((sample) => ({ vcpu: sample.cpuIndex, lastAdvanceAt: undefined }));
  for (const candidate of candidates) {
    const before = first.find((sample) => sample.cpuIndex === candidate.vcpu);
    const after = second.find((sample) => sample.cpuIndex === candidate.vcpu);
    if (!before || !after || before.instructionPointerHex === undefined || before.instructionPointerHex !== after.instructionPointerHex) continue;
    const rose = (name: keyof VcpuSample['stats']) => (after.stats[name] ?? 0) - (before.stats[name] ?? 0);
    if (rose('mmio_exits') < MIN_RE_ENTRY_EXITS || rose('mmio_exits') * 2 < rose('exits')) continue;
    const exits: Record<string, [number, number]> = {};
    for (const [name, value] of Object.entries(after.stats)) exits[name] = [before.stats[name as keyof VcpuSample['stats']] ?? 0, value];
    return {
      vcpu: candidate.vcpu,
      instructionPointerHex: before.instructionPointerHex,
      stuckMs: Math.round(after.at - (candidate.lastAdvanceAt ?? before.at)),
      counterStill: candidate.lastAdvanceAt !== undefined,
      sampleMs: Math.round(after.at - before.at),
      exits,
    };
  }
  return undefined;
}
