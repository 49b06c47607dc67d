import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareLinuxGuestFiles, resolveLinuxBoot } from '../kernels/guest-kernel.js';
import { runUnderKernel } from '../nested/kernel-run.js';
import { nestedFallback } from '../nested/nested-fallback.js';
import { cacheRoot, configurePaths, statesDir } from '../paths.js';
import type { IterationRecord } from '../results/record.js';
import { readRun } from '../results/run-store.js';
import { makePlan } from '../runner/plan.js';
import { runPlan } from '../runner/run-plan.js';
import { loadSuite } from '../suites/load-suite.js';
import { median } from './restore-gains.js';

export const LINUX_SUITE = 'linux-hotplug';
export const LINUX_BUILD = '7.2-paused-vcpu';

export interface LinuxStartUps {
  /** Where the guests ran: inside a kernel under test (its name), or this host. */
  where: string;
  booted: IterationRecord[];
  restored: IterationRecord[];
}

/** Median time to the first mutation of iterations that started this way. */
export const medianStartUpMs = (records: readonly IterationRecord[]) => median(records.flatMap((record) => (record.startUpMs === undefined ? [] : [record.startUpMs])));

/**
 * Whole iterations of the Linux-guest suite on a fixed build (it survives, so
 * every iteration reaches its mutations), as `slotlab run` makes them: inside
 * the kernel under test where this host's KVM cannot boot Linux. One run
 * boots every guest, one restores (its first iteration boots and saves unless a
 * state is kept already); records are read back from a scratch runs folder.
 */
export async function linuxStartUps(repetitions: number, onLine: (line: string) => void = () => {}): Promise<LinuxStartUps> {
  const loaded = loadSuite(LINUX_SUITE);
  const guest = loaded.suite.guest;
  if (guest.image !== 'linux') throw new Error(`${LINUX_SUITE} no longer boots a Linux guest`);
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-bench-runs-'));
  const previous = configurePaths({ cache: cacheRoot(), runs, states: statesDir() });
  const nested = nestedFallback('linux');
  try {
    await prepareLinuxGuestFiles(guest, onLine);
    const run = async (start: 'boot' | 'restore', count: number): Promise<IterationRecord[]> => {
      const plan = makePlan(loaded, [LINUX_BUILD], { repetitions: count, start });
      if (nested) return readRun((await runUnderKernel({ plan, kernel: nested.kernel, onLine })).runId).records;
      const linux = await resolveLinuxBoot(guest);
      try {
        return (await runPlan(plan, { linux })).records;
      } finally {
        linux.dispose();
      }
    };
    const booted = await run('boot', repetitions);
    const restored = (await run('restore', repetitions + 1)).filter((record) => record.start === 'restored');
    return { where: nested ? `inside kernel ${nested.kernel} (L1 under TCG)` : 'on this host', booted, restored };
  } finally {
    configurePaths(previous);
    fs.rmSync(runs, { recursive: true, force: true });
  }
}

/** The start-up of each iteration, step by step (its record's startPhases), booted ones then restored ones. */
export function startPhaseTable(startUps: LinuxStartUps): string {
  const rows = [...startUps.booted, ...startUps.restored].map((record) => {
    const phases = Object.entries(record.startPhases ?? {});
    const total = record.startUpMs ?? phases.reduce((sum, [, ms]) => sum + ms, 0);
    const steps = phases.map(([step, ms]) => `${step} ${ms} ms (${Math.round((ms / total) * 100)}%)`).join(', ');
    return `${record.start ?? 'booted'} #${record.iteration}: ${total} ms to the first mutation: ${steps}; mutations ${record.mutationPhaseMs} ms [${record.mutationsApplied}, ${record.outcome}], shutdown ${record.shutdown?.durationMs ?? '?'} ms`;
  });
  return rows.join('\n');
}
