import type { QmpClient } from '../qmp/qmp-client.js';

/** KVM's per-vCPU binary stats that tell a vCPU re-entered for ever from one that halts or runs. */
export const EXIT_STATS = ['exits', 'mmio_exits', 'halt_exits', 'insn_emulation', 'insn_emulation_fail'] as const;

/** One vCPU as QMP sees it at one moment: its KVM exit counters (QMP `query-stats`, QEMU 7.1+) and where it is. */
export interface VcpuSample {
  cpuIndex: number;
  qomPath: string;
  /** performance.now() when the sample was taken. */
  at: number;
  /** Empty when QEMU or the kernel has no KVM binary stats. */
  stats: Partial<Record<(typeof EXIT_STATS)[number], number>>;
  /** RIP (or EIP) in hex from `info registers`, when QEMU printed it. */
  instructionPointerHex: string | undefined;
}

interface CpuFast {
  'cpu-index': number;
  'qom-path': string;
}

interface StatsResult {
  'qom-path'?: string;
  provider: string;
  stats: { name: string; value: unknown }[];
}

/** Samples every vCPU: query-cpus-fast, query-stats (kvm, vcpu target) and each vCPU's registers. */
export async function sampleVcpus(qmp: QmpClient): Promise<VcpuSample[]> {
  const cpus = await qmp.execute<CpuFast[]>('query-cpus-fast');
  const at = performance.now();
  const stats = await qmp
    .execute<StatsResult[]>('query-stats', { target: 'vcpu', providers: [{ provider: 'kvm', names: [...EXIT_STATS] }] })
    .catch(() => [] as StatsResult[]);
  const samples: VcpuSample[] = [];
  for (const cpu of cpus) {
    const mine = stats.find((entry) => entry['qom-path'] === cpu['qom-path'] && entry.provider === 'kvm');
    const values: VcpuSample['stats'] = {};
    for (const stat of mine?.stats ?? []) {
      if ((EXIT_STATS as readonly string[]).includes(stat.name) && typeof stat.value === 'number') values[stat.name as (typeof EXIT_STATS)[number]] = stat.value;
    }
    const registers = await qmp.hmp('info registers', { cpuIndex: cpu['cpu-index'] }).catch(() => '');
    const ip = /\b[ER]IP=([0-9a-f]+)/i.exec(registers)?.[1];
    samples.push({ cpuIndex: cpu['cpu-index'], qomPath: cpu['qom-path'], at, stats: values, instructionPointerHex: ip === undefined ? undefined : `0x${ip.toLowerCase().replace(/^0+(?=.)/, '')}` });
  }
  return samples.sort((a, b) => a.cpuIndex - b.cpuIndex);
}
