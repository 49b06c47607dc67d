import type { IterationRecord } from '../results/record.js';
import type { CellFamily } from '../results/provenance.js';
import { cellFamily } from '../results/cell-family.js';
import { quantileOfSorted } from '../results/latency.js';
import { type Interval, wilsonInterval } from '../stats/binomial.js';

/** The suite whose boots give the commit cost, and the two whose guests give the stalls (images/README.md, stall records). */
export const COST_SUITE = 'firmware-boot';
export const STALL_SUITES = ['control-idle', 'pam-bystander'] as const;
/** A gap between two loop iterations at least this long counts as a stall. */
export const STALL_THRESHOLD_US = 100;

/** A build in one environment: on this host's KVM, or inside a kernel under test (L2 under TCG). */
export interface Combination {
  label: string;
  build: string;
  family: CellFamily;
  kernel?: string;
  environment: string;
}

export interface Spread {
  mean: number;
  p50: number;
  p99: number;
  stdev: number;
}

/** One combination at one vCPU count: the boots and what their commits cost. */
export interface BootCell {
  combination: Combination;
  vcpus: number;
  /** More vCPUs than the machine that ran QEMU has CPUs. */
  overcommit: boolean;
  boots: number;
  losses: number;
  lossPerBoot: Interval;
  /** A loss in this environment and vCPU count that a fixed build shows too: possibly the host, not the race. */
  possibleHostArtefact: boolean;
  /** Time in commits that changed a slot, per boot (ms); null where the build's trace has no transaction events. */
  commitMsPerBoot: Spread | null;
  commitsPerBoot: number | null;
  overlappingPerBoot: number;
  slotIoctlsPerBoot: number;
  /** One commit's time over every boot's commits (µs). */
  perCommitUs: { p50: number; p99: number; max: number } | null;
  /** vCPUs held out of KVM_RUN per boot (ms) and per hold (max µs); null where the build has no such events or never held. */
  heldMsPerBoot: Spread | null;
  holdsPerBoot: number | null;
  heldMaxUs: number | null;
  /** What the build's trace cannot give (a binary without slotlab's tracing patch). */
  missing: string[];
}

/** One combination, vCPU count and stall suite: the gaps its guest's vCPUs saw. */
export interface StallCell {
  combination: Combination;
  vcpus: number;
  suite: string;
  iterations: number;
  vcpuSeconds: number;
  /** Gaps of STALL_THRESHOLD_US or more per vCPU-second (a gap counts when its bucket's lower edge reaches the threshold). */
  stallsPerVcpuSecond: number;
  /** The largest gap is below this (its bucket's upper edge, µs). */
  largestGapBelowUs: number | null;
  /** PAM flips per second while it ran (pam-bystander), null for the idle control. */
  mutationsPerSecond: number | null;
}

export interface CostMatrix {
  boots: BootCell[];
  stalls: StallCell[];
  /** The machines QEMU ran on, by environment (host kernel, CPU, CPUs). */
  hosts: Record<string, string>;
  runIds: string[];
}

export function combinationOf(record: IterationRecord): Combination {
  const kernel = record.host.kernelUnderTest?.name;
  const family = record.family ?? cellFamily(record.build.family, record.host.kvm, record.build.version);
  return {
    label: kernel ? `${record.build.name} @ ${kernel}` : record.build.name,
    build: record.build.name,
    family,
    ...(kernel ? { kernel } : {}),
    environment: kernel ? 'L2 under TCG (inside a kernel under test)' : "this host's KVM",
  };
}

/** The cost matrix of stored records: firmware-boot records give the boot cells, control-idle and pam-bystander the stall cells. */
export function costMatrix(records: readonly IterationRecord[]): CostMatrix {
  const usable = records.filter((record) => record.outcome !== 'error' && record.vcpus !== undefined);
  // One environment may span several machines (kernels under test): each is named.
  const machines = new Map<string, Set<string>>();
  for (const record of usable) {
    const environment = combinationOf(record).environment;
    machines.set(environment, (machines.get(environment) ?? new Set()).add(`${record.host.kernel}, ${record.host.cpu}, ${record.host.cpus} CPUs`));
  }
  const hosts = Object.fromEntries([...machines].map(([environment, names]) => [environment, [...names].join('; ')]));
  const boots = groups(usable.filter((record) => record.suite.name === COST_SUITE), (record) => `${combinationOf(record).label}\u0000${record.vcpus}`).map(bootCell);
  flagHostArtefacts(boots);
  const stalls = groups(
    usable.filter((record) => (STALL_SUITES as readonly string[]).includes(record.suite.name) && record.stalls),
    (record) => `${combinationOf(record).label}\u0000${record.vcpus}\u0000${record.suite.name}`,
  ).map(stallCell);
  const order = (a: { combination: Combination; vcpus: number }, b: { combination: Combination; vcpus: number }) =>
    a.combination.environment.localeCompare(b.combination.environment) || a.combination.label.localeCompare(b.combination.label) || a.vcpus - b.vcpus;
  return {
    boots: boots.sort(order),
    stalls: stalls.sort((a, b) => order(a, b) || a.suite.localeCompare(b.suite)),
    hosts,
    runIds: [...new Set(records.map((record) => record.runId))],
  };
}

function groups(records: readonly IterationRecord[], key: (record: IterationRecord) => string): IterationRecord[][] {
  const map = new Map<string, IterationRecord[]>();
  for (const record of records) map.set(key(record), [...(map.get(key(record)) ?? []), record]);
  return [...map.values()];
}

function bootCell(records: IterationRecord[]): BootCell {
  const first = records[0]!;
  const losses = records.filter((record) => record.outcome === 'guest-lost').length;
  const traced = records.filter((record) => record.commitCost?.source === 'transactions');
  const costs = records.map((record) => record.commitCost).filter((cost) => cost !== undefined);
  const commitTimes = traced.flatMap((record) => (record.commitCost!.commitUs ? [record.commitCost!.commitUs] : []));
  const held = traced.map((record) => record.commitCost!.heldUs);
  const anyHold = held.some((summary) => summary !== null);
  return {
    combination: combinationOf(first),
    vcpus: first.vcpus!,
    overcommit: first.vcpus! > first.host.cpus,
    boots: records.length,
    losses,
    lossPerBoot: wilsonInterval(losses, records.length),
    possibleHostArtefact: false,
    commitMsPerBoot: traced.length ? spread(traced.map((record) => (record.commitCost!.commitUs?.totalUs ?? 0) / 1000)) : null,
    commitsPerBoot: traced.length ? mean(traced.map((record) => record.commitCost!.commits ?? 0)) : null,
    overlappingPerBoot: mean(costs.map((cost) => cost.overlapping)),
    slotIoctlsPerBoot: mean(costs.map((cost) => cost.slotIoctls)),
    perCommitUs: commitTimes.length
      ? { p50: median(commitTimes.map((summary) => summary.p50Us)), p99: Math.max(...commitTimes.map((summary) => summary.p99Us)), max: Math.max(...commitTimes.map((summary) => summary.maxUs)) }
      : null,
    heldMsPerBoot: anyHold ? spread(held.map((summary) => (summary?.totalUs ?? 0) / 1000)) : null,
    holdsPerBoot: anyHold ? mean(held.map((summary) => summary?.count ?? 0)) : null,
    heldMaxUs: anyHold ? Math.max(...held.map((summary) => summary?.maxUs ?? 0)) : null,
    missing: [...new Set(costs.flatMap((cost) => cost.missing))],
  };
}

/** Losses in an environment and vCPU count where a fixed build lost a guest too are flagged, not counted as the race. */
function flagHostArtefacts(cells: BootCell[]): void {
  for (const cell of cells) {
    if (cell.losses === 0) continue;
    cell.possibleHostArtefact = cells.some(
      (other) => other.losses > 0 && other.combination.family !== 'stock' && other.vcpus === cell.vcpus && other.combination.environment === cell.combination.environment,
    );
  }
}

function stallCell(records: IterationRecord[]): StallCell {
  const first = records[0]!;
  let vcpuSeconds = 0;
  let stalls = 0;
  let largest: number | null = null;
  let mutations = 0;
  let phaseSeconds = 0;
  for (const record of records) {
    const { tscPerUs, spanMs, vcpus } = record.stalls!;
    vcpuSeconds += (spanMs / 1000) * vcpus.length;
    for (const vcpu of vcpus) {
      for (const [k, count] of Object.entries(vcpu.buckets)) if (2 ** Number(k) / tscPerUs >= STALL_THRESHOLD_US) stalls += count;
      if (vcpu.largestGapBelowUs !== null) largest = Math.max(largest ?? 0, vcpu.largestGapBelowUs);
    }
    mutations += record.mutationsApplied;
    phaseSeconds += record.mutationPhaseMs / 1000;
  }
  return {
    combination: combinationOf(first),
    vcpus: first.vcpus!,
    suite: first.suite.name,
    iterations: records.length,
    vcpuSeconds: round(vcpuSeconds),
    stallsPerVcpuSecond: vcpuSeconds > 0 ? round(stalls / vcpuSeconds) : 0,
    largestGapBelowUs: largest,
    mutationsPerSecond: first.suite.name === 'control-idle' || phaseSeconds === 0 ? null : round(mutations / phaseSeconds),
  };
}

function mean(values: number[]): number {
  return values.length ? round(values.reduce((sum, value) => sum + value, 0) / values.length) : 0;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: number[], q: number): number {
  return quantileOfSorted([...values].sort((a, b) => a - b), q);
}

function spread(values: number[]): Spread {
  const average = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1) : 0;
  return { mean: round(average), p50: round(quantile(values, 0.5)), p99: round(quantile(values, 0.99)), stdev: round(Math.sqrt(variance)) };
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
