import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBuild } from '../builds/build-registry.js';
import { imagePath } from '../images/build-images.js';
import type { IterationRecord } from '../results/record.js';
import { GuestStates } from '../runner/guest-states.js';
import { hostInfo } from '../runner/host-info.js';
import { runIteration } from '../runner/run-iteration.js';
import { loadSuite } from '../suites/load-suite.js';

export interface IterationMedians {
  build: string;
  suite: string;
  booted: IterationRecord[];
  restored: IterationRecord[];
  bootedMedianMs: number;
  restoredMedianMs: number;
}

/** The lower median (of an even count, the lower of the two middle values); NaN of none. */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};

/** Whole iterations of a suite as `slotlab run` makes them, every one booted against boot once + restored ones. */
export async function iterationMedians(suiteName: string, buildName: string, repetitions: number): Promise<IterationMedians> {
  const loaded = loadSuite(suiteName);
  const build = await resolveBuild(buildName);
  const host = hostInfo();
  const statesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-bench-states-'));
  const iterate = (iteration: number, start: 'boot' | 'restore') =>
    runIteration({
      runId: 'bench',
      loaded,
      build,
      image: imagePath('spin'),
      iteration,
      seed: iteration,
      limits: { mutations: loaded.suite.stop.mutations, durationSeconds: loaded.suite.stop.durationSeconds },
      host,
      start: start === 'boot' ? { mode: 'boot' } : { mode: 'restore', states: new GuestStates(statesDir) },
    });
  try {
    const booted: IterationRecord[] = [];
    for (let i = 0; i < repetitions; i++) booted.push(await iterate(i, 'boot'));
    // The first restore-mode iteration boots and saves the state; the rest restore it.
    await iterate(repetitions, 'restore');
    const restored: IterationRecord[] = [];
    for (let i = 0; i < repetitions; i++) restored.push(await iterate(repetitions + 1 + i, 'restore'));
    return {
      build: buildName,
      suite: suiteName,
      booted,
      restored,
      bootedMedianMs: median(booted.map((record) => record.durationMs)),
      restoredMedianMs: median(restored.map((record) => record.durationMs)),
    };
  } finally {
    fs.rmSync(statesDir, { recursive: true, force: true });
  }
}
