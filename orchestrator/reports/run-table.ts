import { UNLIMITED_MUTATIONS } from '../suites/suite-schema.js';
import type { IterationRecord } from '../results/record.js';
import { oneLine } from './escape.js';

/** A plain terminal table: one row per iteration, then the QEMU output of those that did not survive. */
export function renderTable(records: readonly IterationRecord[]): string {
  const header = ['build', 'iter', 'mutations', 'outcome', 'stop', 'time to failure', 'vCPU', 'EIP/RIP', 'in loop', 'latency p50/p99', 'progress'];
  const rows = records.map((r) => [
    oneLine(r.build.name),
    String(r.iteration),
    r.limits.mutations >= UNLIMITED_MUTATIONS ? String(r.mutationsApplied) : `${r.mutationsApplied}/${r.limits.mutations}`,
    r.outcome,
    oneLine(r.stopReason),
    r.timeToFailureMs === null ? '-' : `${r.timeToFailureMs} ms`,
    r.livelock ? String(r.livelock.vcpu) : r.failure?.vcpu === undefined ? '-' : String(r.failure.vcpu),
    r.livelock ? r.livelock.instructionPointerHex : r.failure?.instructionPointer === undefined ? '-' : (r.failure.instructionPointerHex ?? `0x${r.failure.instructionPointer.toString(16).padStart(8, '0')}`),
    r.failure ? (r.failure.inLoopRange ? 'yes' : 'no') : '-',
    r.latency ? `${formatUs(r.latency.p50Us)}/${formatUs(r.latency.p99Us)}` : r.guestCost ? `guest ${formatUs(r.guestCost.meanUs)}` : '-',
    r.outcome === 'guest-lost' || r.progressAfter.length === 0 ? '-' : r.progressRising ? 'rising' : r.progress === 'unknown' ? 'unknown' : 'NOT rising',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];

  const livelocked = records.filter((r) => r.livelock);
  if (livelocked.length > 0) {
    out.push('', 'Livelocks (QEMU kept re-entering a vCPU that made no progress)');
    for (const r of livelocked) out.push(`  ${oneLine(r.build.name)} iteration ${r.iteration}: ${livelockLine(r.livelock!)}`);
  }

  const excerpts = records.filter((r) => r.outcome !== 'survived' && (r.stderrExcerpt.trim().length > 0 || r.error));
  if (excerpts.length > 0) {
    out.push('', 'QEMU stderr excerpts');
    for (const r of excerpts) {
      out.push(`  ${oneLine(r.build.name)} iteration ${r.iteration}:`);
      for (const text of excerptLines(r.stderrExcerpt)) out.push(`    ${oneLine(text)}`);
      if (r.error) out.push(`    slotlab: ${oneLine(r.error.message.split('\n')[0]!)}`);
    }
  }
  return out.join('\n');
}

/** The error, its kind and the instruction pointer when QEMU printed them; else the first lines. */
function excerptLines(excerpt: string): string[] {
  const lines = excerpt.split('\n');
  const key = lines.filter((line) => /KVM internal error|KVM: instruction fetch from GPA|emulation failure|^[ER]IP=/.test(line));
  return key.length > 0 ? key : lines.slice(0, 4);
}

/** One line of livelock evidence: where the vCPU stood, for how long, and the exit counters that rose meanwhile. */
export function livelockLine(evidence: NonNullable<IterationRecord['livelock']>): string {
  const rose = Object.entries(evidence.exits)
    .filter(([, [before, after]]) => after > before)
    .map(([name, [before, after]]) => `${name} ${before}->${after}`);
  const still = evidence.counterStill ? 'its loop counter still' : 'no loop counter to read';
  return `vCPU ${evidence.vcpu} at ${evidence.instructionPointerHex} for ${evidence.stuckMs} ms (${still}); in ${evidence.sampleMs} ms: ${rose.join(', ') || 'no exit counter rose'}`;
}

function formatUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(1)}ms` : `${us}us`;
}
