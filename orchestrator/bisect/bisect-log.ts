import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildProvenance } from '../builds/build-types.js';
import type { KernelProvenance } from '../kernels/kernel-types.js';
import { runsDir } from '../paths.js';
import type { BisectTerms, Evidence, FlakyBisectResult } from './flaky-bisect.js';

export const BISECT_LOG_SCHEMA = 'slotlab.bisect/1';

/** What a bisection is: the first line of its log. */
export interface BisectStart {
  kind: 'qemu' | 'kernel';
  suite: string;
  /** The fixed part: the source tree and its ends, or the build run under every kernel. */
  subject: Record<string, unknown>;
  terms?: BisectTerms;
  alpha: number;
  calibrate: number;
  mutations?: number;
}

export type BisectLogLine =
  | ({ schema: typeof BISECT_LOG_SCHEMA; type: 'start'; bisectId: string; at: string } & BisectStart)
  | ({ schema: typeof BISECT_LOG_SCHEMA; type: 'step'; bisectId: string; at: string; build?: BuildProvenance; kernel?: KernelProvenance } & Evidence)
  | ({ schema: typeof BISECT_LOG_SCHEMA; type: 'result'; bisectId: string; at: string } & Omit<FlakyBisectResult, 'evidence'>)
  | { schema: typeof BISECT_LOG_SCHEMA; type: 'failed'; bisectId: string; at: string; error: string };

/**
 * `<runs>/bisect/<id>.jsonl`: one line when the bisection starts, one per
 * tested version (with the run holding its iteration records), one at the end.
 * Lines are appended synchronously, so an interrupted bisection keeps its steps.
 */
export class BisectLog {
  readonly bisectId: string;
  readonly file: string;

  constructor(start: BisectStart, dir = path.join(runsDir(), 'bisect')) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    this.bisectId = `${stamp}-${start.kind}-${start.suite}-${crypto.randomBytes(2).toString('hex')}`;
    this.file = path.join(dir, `${this.bisectId}.jsonl`);
    fs.mkdirSync(dir, { recursive: true });
    this.append({ type: 'start', ...start });
  }

  step(evidence: Evidence, provenance: { build?: BuildProvenance; kernel?: KernelProvenance } = {}): void {
    this.append({ type: 'step', ...evidence, ...provenance });
  }

  result(result: FlakyBisectResult): void {
    const { evidence: _, ...rest } = result;
    this.append({ type: 'result', ...rest });
  }

  failed(error: string): void {
    this.append({ type: 'failed', error });
  }

  private append(line: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify({ schema: BISECT_LOG_SCHEMA, bisectId: this.bisectId, at: new Date().toISOString(), ...line }) + '\n');
  }
}

export function readBisectLog(file: string): BisectLogLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BisectLogLine);
}
