import type { CellFamily } from '../results/provenance.js';
import type { Expectation } from '../results/record.js';

/** What a suite expects of a cell: the line of the fix the cell carries (results/cell-family.ts). */
export function expectationFor(expect: Partial<Record<CellFamily, Expectation>>, family: CellFamily): Expectation | null {
  return expect[family] ?? null;
}

/** QEMU's warning lines (`qemu-system-x86_64: warning: ...`) from its output, at most `limit`. */
export function qemuWarnings(output: string, limit = 5): string[] {
  return output
    .split('\n')
    .filter((line) => / warning: /.test(line))
    .slice(0, limit);
}
