import path from 'node:path';
import crypto from 'node:crypto';
import type { ResolvedBuild } from '../builds/build-types.js';
import { resolveBuild } from '../builds/build-registry.js';
import { requireImage } from '../images/build-images.js';
import { assertKvmUsable } from '../machine/machine.js';
import { runsDir } from '../paths.js';
import type { IterationRecord } from '../results/record.js';
import { RecordWriter } from '../results/record-writer.js';
import { hostInfo } from './host-info.js';
import type { Plan } from './plan.js';
import { IterationAbort, runIteration } from './run-iteration.js';

export interface RunOutput {
  runId: string;
  file: string;
  records: IterationRecord[];
}

export function newRunId(suite: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${suite}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Executes a plan item by item, appending each record to `results/runs/<run-id>.jsonl` as soon as it exists. */
export async function runPlan(
  plan: Plan,
  options: { onRecord?: (record: IterationRecord, done: number, total: number) => void; onStart?: (file: string) => void } = {},
): Promise<RunOutput> {
  assertKvmUsable();
  const image = requireImage(plan.loaded.suite.guest.image);
  const builds = new Map<string, ResolvedBuild>();
  for (const name of plan.builds) builds.set(name, await resolveBuild(name));
  const runId = newRunId(plan.loaded.suite.name);
  const file = path.join(runsDir(), `${runId}.jsonl`);
  const writer = new RecordWriter(file);
  options.onStart?.(file);
  const records: IterationRecord[] = [];
  const host = hostInfo();
  try {
    for (const item of plan.items) {
      let record: IterationRecord;
      try {
        record = await runIteration({ runId, loaded: plan.loaded, build: builds.get(item.build)!, image, iteration: item.iteration, seed: item.seed, limits: item.limits, host });
      } catch (error) {
        if (error instanceof IterationAbort) writer.append(error.record);
        throw error;
      }
      writer.append(record);
      records.push(record);
      options.onRecord?.(record, records.length, plan.items.length);
    }
  } finally {
    writer.close();
  }
  return { runId, file, records };
}
