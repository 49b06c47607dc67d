import type { BuildFamily } from '../results/provenance.js';
import type { Expectation } from '../results/record.js';
import { cellFamily } from './cell-family.js';
import type { HostInfo } from './host-info.js';

/** What a suite expects of a build on this host: the line of the fix the cell carries (cell-family.ts). */
export function expectationFor(expect: Partial<Record<BuildFamily, Expectation>>, family: BuildFamily, host: Pick<HostInfo, 'kvm'>, qemuVersion?: string): Expectation | null {
  return expect[cellFamily(family, host.kvm, qemuVersion)] ?? null;
}

/** QEMU's warning lines (`qemu-system-x86_64: warning: ...`) from its output, at most `limit`. */
export function qemuWarnings(output: string, limit = 5): string[] {
  return output
    .split('\n')
    .filter((line) => / warning: /.test(line))
    .slice(0, limit);
}
