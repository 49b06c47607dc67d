import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBuild } from '../builds/build-registry.js';
import { buildL1Initramfs } from '../images/l1-image.js';
import { setInterruptHandler } from '../machine/process-reaper.js';
import { cacheRoot, repoRoot, runsDir } from '../paths.js';
import { type RunFiles, readManifest, runFiles, writeManifest } from '../results/run-store.js';
import { RecordWriter } from '../results/record-writer.js';
import { type RunLock, acquireRunLock } from '../results/run-lock.js';
import { CONTEXT_ENV } from '../run-context.js';
import { shellWord } from '../shell-word.js';
import type { Plan } from '../runner/plan.js';
import { writePlanFile } from '../runner/plan-file.js';
import { BOOT_ATTEMPTS } from '../runner/run-plan.js';
import { SlotlabError } from '../errors.js';
import { findKernel } from '../kernels/kernel-registry.js';
import { kernelStatesDir, keepStates, lendStates } from './job-states.js';
import { l1CliEntry } from './l1-bundle.js';
import { L1Error, type L1Result, type Paging, runInL1 } from './l1-machine.js';

export class KernelJobError extends SlotlabError {
  constructor(kernel: string, detail: string) {
    super('KERNEL_JOB_FAILED', `run under kernel ${kernel}: ${detail}; the L1 console above says why`);
  }
}

/** Harness timeouts inside L1 (TCG) are this many times the host's. */
export const L1_TIME_SCALE = 10;
const L1_BOOT_TIMEOUT_MS = 180_000;
/**
 * A run goes on in a fresh L1 after L1 itself failed (a panic on a soft lockup or an RCU
 * stall under TCG) as long as the failed L1 had written records; two boots in a row without
 * a new record, or this many boots in all, end it.
 */
const MAX_L1_BOOTS = 8;
const MAX_BOOTS_WITHOUT_PROGRESS = 2;

export interface KernelRunOptions {
  plan: Plan;
  kernel: string;
  /** L1's KVM with two-dimensional paging (default) or shadow paging; records show it as host.kvm.TDP. */
  paging?: Paging;
  onLine?: (line: string) => void;
  /** Continue this run of this host's runs folder (one that ran inside `kernel`) instead of starting one. */
  resume?: string;
  /** `run --jobs` inside L1: iterations of different cells at once, on L1's CPUs. */
  jobs?: number;
}

export interface KernelRunOutput {
  runId: string;
  records: string;
  l1: L1Result;
}

/** Shell lines every job starts with: the repository as working folder, the host's PATH and cache. */
export function jobPreamble(jobDir: string, env: Record<string, string> = {}): string[] {
  const all = {
    HOME: os.homedir(),
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    [CONTEXT_ENV.cache]: cacheRoot(),
    // L1's only writable scratch space (its /tmp is the host's, read-only).
    TMPDIR: '/run/tmp',
    [CONTEXT_ENV.kernelProvenance]: path.join(jobDir, 'kernel.json'),
    [CONTEXT_ENV.states]: jobStatesOf(jobDir),
    ...env,
  };
  return [
    '# Written by slotlab; run by the L1 init, chrooted into the host root.',
    `cd ${shellWord(repoRoot)} || exit 125`,
    ...Object.entries(all).map(([name, value]) => `export ${name}=${shellWord(value)}`),
  ];
}

/** Where a job keeps saved guest states (lent from and kept in the host's cache: job-states.ts). */
export const jobStatesOf = (jobDir: string) => path.join(jobDir, 'guest-states');

/** Where the job folder holds the plan L1 runs (written by runJobScript). */
export const planFileOf = (jobDir: string) => path.join(jobDir, 'plan.json');

/**
 * The job L1 runs: `slotlab run --plan` on the plan, written as JSON into the job
 * folder (nothing rebuilt from flags), without --kernel. With `resume`, the job
 * continues that run (its files are in the job folder) instead of starting one.
 */
export function runJobScript(plan: Plan, jobDir: string, resume?: string, jobs = 1): string {
  // One file to read over 9p (l1-bundle.ts); the modules where the bundle is missing or older than they are.
  const main = l1CliEntry();
  if (!resume) writePlanFile(planFileOf(jobDir), plan);
  const args = [...(resume ? ['run', '--resume', resume] : ['run', '--plan', planFileOf(jobDir)]), ...(jobs > 1 ? ['--jobs', String(jobs)] : [])];
  return [
    ...jobPreamble(jobDir, { [CONTEXT_ENV.runs]: path.join(jobDir, 'runs'), [CONTEXT_ENV.timeScale]: String(L1_TIME_SCALE) }),
    `exec ${shellWord(process.execPath)} ${shellWord(main)} ${args.map(shellWord).join(' ')}`,
    '',
  ].join('\n');
}

/** Generous: L2 boots and QMP round trips under TCG take tens of times longer than on the host. */
export function jobTimeoutMs(plan: Plan): number {
  const suite = plan.loaded.suite;
  // A Linux guest lost while booting is booted again (run-plan.ts): every attempt may take its boot time.
  const boots = suite.guest.image === 'linux' ? BOOT_ATTEMPTS : 1;
  const perIteration = (item: Plan['items'][number]) => (boots * suite.guest.bootTimeoutSeconds * L1_TIME_SCALE + item.limits.durationSeconds + 60) * 1000;
  return 120_000 + plan.items.reduce((sum, item) => sum + perIteration(item), 0);
}

export interface L1JobOptions {
  kernel: string;
  paging?: Paging;
  /** job.sh for a job folder: run by /bin/sh inside L1, chrooted into the host root. */
  script: (jobDir: string) => string;
  timeoutMs: number;
  onLine?: (line: string) => void;
  /** Host folders the job may write (the host root is read-only in L1; the job folder is always writable). */
  writable?: string[];
  /** Takes results out of the job folder before it is removed; `l1Failed` when L1 died or was interrupted. */
  collect?: (jobDir: string, l1Failed: boolean) => string[];
}

/** Boots a kernel under test as L1 and runs one job script in it; the job folder is removed afterwards. */
export async function runL1Job(options: L1JobOptions): Promise<L1Result> {
  const kernel = await findKernel(options.kernel).resolve();
  let initramfs = (await buildL1Initramfs()).path;
  const jobDir = path.join(runsDir(), '.kernel-jobs', crypto.randomBytes(4).toString('hex'));
  fs.mkdirSync(path.join(jobDir, 'runs'), { recursive: true });
  if (kernel.modules) {
    // The kernel unpacks concatenated cpio archives one after the other.
    const combined = path.join(jobDir, 'initramfs.cpio');
    fs.writeFileSync(combined, Buffer.concat([fs.readFileSync(initramfs), fs.readFileSync(kernel.modules)]));
    initramfs = combined;
  }
  fs.writeFileSync(path.join(jobDir, 'kernel.json'), JSON.stringify(kernel.provenance, null, 2) + '\n');
  fs.writeFileSync(path.join(jobDir, 'job.sh'), options.script(jobDir));
  const keptStates = kernelStatesDir(kernel);
  const lent = lendStates(keptStates, jobStatesOf(jobDir));
  const finish = (l1Failed: boolean) => {
    const runs = options.collect?.(jobDir, l1Failed) ?? [];
    try {
      keepStates(jobStatesOf(jobDir), keptStates, lent);
    } catch (error) {
      options.onLine?.(`slotlab: the guest states the job saved could not be kept in ${keptStates} (${(error as Error).message}); later runs boot their guests again`);
    }
    fs.rmSync(jobDir, { recursive: true, force: true });
    return runs;
  };
  // Ctrl-C kills L1 (process reaper); what the job completed is taken out first.
  setInterruptHandler((signal) => {
    const runs = finish(true);
    const next = runs.map((run) => `; continue with: slotlab run --resume ${run}`).join('');
    process.stderr.write(`\nslotlab: ${signal}: stopped the kernel under test; completed results were kept${next}\n`);
  });
  let l1: L1Result;
  try {
    l1 = await runInL1({ kernel, initramfs, jobDir, bootTimeoutMs: L1_BOOT_TIMEOUT_MS, jobTimeoutMs: options.timeoutMs, onLine: options.onLine, paging: options.paging, writable: options.writable });
  } catch (error) {
    finish(true);
    throw error;
  } finally {
    setInterruptHandler(undefined);
  }
  finish(false);
  return l1;
}

/**
 * `slotlab run <suite> --build B --kernel K`: boots K as L1 under TCG, runs the
 * plan there with slotlab itself (from the host root, over 9p), and moves the
 * run's records and manifest into this host's runs folder. Records written
 * before a failure of L1 are moved too, with the manifest marked failed.
 */
export async function runUnderKernel(options: KernelRunOptions): Promise<KernelRunOutput> {
  for (const build of options.plan.builds) await resolveBuild(build);
  // The job appends to a copy inside L1; this process holds the run here meanwhile.
  const lock = options.resume === undefined ? undefined : holdForResume(runFiles(options.resume), options.onLine);
  try {
    return await runL1Boots(options);
  } finally {
    lock?.release();
  }
}

/** Locks a run about to be resumed inside L1 and cuts a torn tail off its records here, where the side file stays. */
function holdForResume(files: RunFiles, onLine?: (line: string) => void): RunLock {
  const lock = acquireRunLock(files);
  try {
    if (lock.tookOverFrom) onLine?.(`slotlab: run ${files.runId}: took over the lock of process ${lock.tookOverFrom.pid}, which no longer runs`);
    const writer = new RecordWriter(files.records);
    writer.close();
    const torn = writer.tornTail;
    const manifest = readManifest(files);
    if (torn && manifest) {
      writeManifest(files, { ...manifest, tornTails: [...(manifest.tornTails ?? []), torn] });
      onLine?.(`slotlab: ${files.records}: cut off a torn last line (${torn.bytes} bytes of an interrupted write) before appending; kept in ${torn.savedTo}`);
    }
    return lock;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Complete records of a run in this host's runs folder (a torn last line is not one). */
function recordCount(run: string | undefined): number {
  if (!run || !fs.existsSync(runFiles(run).records)) return 0;
  return fs.readFileSync(runFiles(run).records, 'utf8').split('\n').filter((line) => line.endsWith('}')).length;
}

async function runL1Boots(options: KernelRunOptions): Promise<KernelRunOutput> {
  let run = options.resume;
  let withoutProgress = 0;
  for (let boot = 1; ; boot++) {
    const before = recordCount(run);
    try {
      const l1 = await runL1Job({
        kernel: options.kernel,
        paging: options.paging,
        script: (jobDir) => {
          if (run) copyRun(runFiles(run), runFiles(run, path.join(jobDir, 'runs')));
          return runJobScript(options.plan, jobDir, run, options.jobs);
        },
        timeoutMs: jobTimeoutMs(options.plan),
        onLine: options.onLine,
        collect: (jobDir, l1Failed) => {
          const collected = collectRuns(jobDir, l1Failed);
          run ??= collected[0];
          return collected;
        },
      });
      if (!run) throw new KernelJobError(options.kernel, `the job in L1 ended (exit ${l1.jobExit}) without writing a run`);
      return { runId: run, records: runFiles(run).records, l1 };
    } catch (error) {
      // Nested TCG now and then resets or wedges L1 itself: the run goes on (or, if it wrote nothing yet, starts) in a fresh L1.
      if (!(error instanceof L1Error)) throw error;
      withoutProgress = recordCount(run) > before ? 0 : withoutProgress + 1;
      if (withoutProgress >= MAX_BOOTS_WITHOUT_PROGRESS || boot >= MAX_L1_BOOTS) throw error;
      options.onLine?.(
        `slotlab: L1 ended early (${error.reason}, boot ${boot} of at most ${MAX_L1_BOOTS}); ${run ? `resuming run ${run}` : 'starting the run again'} in a fresh L1`,
      );
    }
  }
}

function copyRun(from: RunFiles, to: RunFiles): void {
  fs.mkdirSync(path.dirname(to.records), { recursive: true });
  if (fs.existsSync(from.records)) fs.copyFileSync(from.records, to.records);
  if (fs.existsSync(from.manifest)) fs.copyFileSync(from.manifest, to.manifest);
  copyFlight(from, to);
}

/** The iterations' flight files, file by file (a resumed run's folder here already holds the earlier ones). */
function copyFlight(from: RunFiles, to: RunFiles): void {
  if (!fs.existsSync(from.flightDir)) return;
  fs.mkdirSync(to.flightDir, { recursive: true });
  for (const name of fs.readdirSync(from.flightDir)) {
    if (!name.includes('.tmp-')) fs.copyFileSync(path.join(from.flightDir, name), path.join(to.flightDir, name));
  }
}

/** Moves every run the job wrote into the runs folder; marks still-running ones failed when L1 died. */
function collectRuns(jobDir: string, l1Failed: boolean): string[] {
  const inner = path.join(jobDir, 'runs');
  const ids = fs.existsSync(inner) ? fs.readdirSync(inner).filter((name) => name.endsWith('.manifest.json')).map((name) => name.replace(/\.manifest\.json$/, '')) : [];
  for (const id of ids) {
    const from = runFiles(id, inner);
    const to = runFiles(id);
    fs.mkdirSync(path.dirname(to.records), { recursive: true });
    if (fs.existsSync(from.records)) fs.copyFileSync(from.records, to.records);
    copyFlight(from, to);
    const manifest = readManifest(from);
    if (manifest) writeManifest(to, l1Failed && manifest.status === 'running' ? { ...manifest, status: 'failed', endedAt: new Date().toISOString() } : manifest);
  }
  return ids;
}
