import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { configurePaths, repoRoot, runsDir } from '../paths.js';
import { type SetupOptions, type SetupStep, setup } from '../setup/setup.js';

/** What setup's steps took on a cold cache, as published in results/setup-cost.json. */
export const PublishedSetupSchema = z.object({
  measuredAt: z.string(),
  machine: z.string(),
  scope: z.enum(['demo', 'tests']),
  note: z.string().optional(),
  steps: z.array(z.object({ step: z.string(), seconds: z.number(), cached: z.boolean() })),
});
export type PublishedSetup = z.infer<typeof PublishedSetupSchema>;

export const publishedSetupFile = (scope: PublishedSetup['scope']) => path.join(repoRoot, 'results', `setup-cost-${scope}.json`);

export function readPublishedSetup(file: string): PublishedSetup | undefined {
  if (!fs.existsSync(file)) return undefined;
  return PublishedSetupSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** This machine as the figures name it: cores, memory, kernel. */
export function machineLine(): string {
  return `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}`;
}

/** The steps measured now beside the published ones, step by step, with the ratio; totals last. */
export function setupComparison(measured: readonly SetupStep[], published?: PublishedSetup): string {
  const before = new Map((published?.steps ?? []).map((step) => [step.step, step.seconds]));
  const names = [...new Set([...measured.map((step) => step.step), ...before.keys()])];
  const now = new Map(measured.map((step) => [step.step, step]));
  const cell = (seconds: number | undefined) => (seconds === undefined ? '-' : `${seconds.toFixed(1)} s`);
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b < 0.5 ? '' : `${(a / b).toFixed(2)}x`);
  const rows = names.map((name) => {
    const step = now.get(name);
    return [name, `${cell(step?.seconds)}${step?.cached ? ' (cached)' : ''}`, cell(before.get(name)), ratio(step?.seconds, before.get(name))];
  });
  const total = measured.reduce((sum, step) => sum + step.seconds, 0);
  const publishedTotal = published ? published.steps.reduce((sum, step) => sum + step.seconds, 0) : undefined;
  rows.push(['total', cell(total), cell(publishedTotal), ratio(total, publishedTotal)]);
  const header = ['step', 'now (cold cache)', published ? `published (${published.measuredAt}, ${published.machine})` : 'published (none)', 'now / published'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  const line = (cells: string[]) => cells.map((text, index) => text.padEnd(widths[index]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * setup() of `scope` into an empty cache of its own (QEMU sources, builds, kernels,
 * ccache: nothing reused), which is removed afterwards unless `keep`. Debian packages
 * are the system's: installed ones stay installed, so that step is measured warm.
 */
export async function coldSetup(scope: PublishedSetup['scope'], log: (line: string) => void, options: Pick<SetupOptions, 'builds'> & { keep?: boolean } = {}): Promise<SetupStep[]> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-cold-cache-'));
  const previous = configurePaths({ cache, runs: runsDir() });
  try {
    log(`cold setup (${scope}) into ${cache} (the usual cache stays ${previous.cache})`);
    return await setup(log, { forTests: scope === 'tests', builds: options.builds });
  } finally {
    configurePaths(previous);
    if (!options.keep) fs.rmSync(cache, { recursive: true, force: true });
  }
}

