import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ProcessError } from '../errors.js';
import { CONFIGURE_FLAGS, configureLine } from './build-config.js';
import type { BuildPhase, BuildProgress } from './build-types.js';

const TAIL_LINES = 25;

/** A build step that failed: which, its exit, the last lines of its log and where the whole log is. */
export class BuildStepError extends ProcessError {
  declare readonly logFile: string;

  constructor(
    readonly build: string,
    readonly step: BuildPhase,
    logFile: string,
    readonly tail: string,
    exitCode: number | undefined,
    signal: string | undefined,
    durationMs: number,
    command: string[] = [],
  ) {
    super(
      'BUILD_STEP_FAILED',
      `build ${build}: ${step} failed (${signal ? `signal ${signal}` : `exit code ${exitCode}`} after ${(durationMs / 1000).toFixed(1)} s); last lines of its log:\n` +
        `${tail}\nfull log: ${logFile}`,
      { command, exitCode, signal, durationMs, outputTail: tail, logFile },
    );
  }
}

export interface BuildStep {
  build: string;
  step: BuildPhase;
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment (e.g. buildEnv's fixed one); without it the step inherits slotlab's. */
  env?: Record<string, string>;
  /** Variables added to the inherited environment (a user's own build command keeps theirs). */
  extraEnv?: Record<string, string>;
  /** Appended to, so one file can hold several commands of a step. */
  logFile: string;
  onLine?: (line: string) => void;
}

/** Runs one command of a build, its combined output into `logFile`; throws BuildStepError on failure. */
export async function runBuildStep(step: BuildStep): Promise<void> {
  fs.mkdirSync(path.dirname(step.logFile), { recursive: true });
  const log = fs.createWriteStream(step.logFile, { flags: 'a' });
  log.write(`$ (cd ${step.cwd} && ${[step.command, ...step.args].join(' ')})\n`);
  const tail: string[] = [];
  const started = Date.now();
  const child = execa(step.command, step.args, {
    cwd: step.cwd,
    env: step.env ?? step.extraEnv,
    extendEnv: step.env === undefined,
    all: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
  });
  for await (const line of child.iterable({ from: 'all' })) {
    log.write(line + '\n');
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    step.onLine?.(line);
  }
  const result = await child;
  await new Promise<void>((resolve) => log.end(resolve));
  if (result.exitCode !== 0 || result.signal) {
    throw new BuildStepError(step.build, step.step, step.logFile, tail.join('\n'), result.exitCode, result.signal, Date.now() - started, [step.command, ...step.args]);
  }
}

/** `[n/N]` progress from a ninja output line. */
export function ninjaProgress(line: string): { done: number; total: number } | undefined {
  const match = /^\[(\d+)\/(\d+)\]/.exec(line);
  return match ? { done: Number(match[1]), total: Number(match[2]) } : undefined;
}

export interface PatchedCopy {
  build: string;
  env: Record<string, string>;
  /** Pristine source tree; hard-linked, never written (GNU patch replaces the files it changes). */
  pristine: string;
  /** Where the patched copy goes (must not exist). */
  into: string;
  patches: readonly { name: string; file: string }[];
  logFile: string;
  log: (line: string) => void;
}

/** The `patch` phase of a source build: a hard-linked copy of the pristine tree with the series applied in order. */
export async function patchedCopy(copy: PatchedCopy): Promise<void> {
  const step = { build: copy.build, env: copy.env, step: 'patch' as const, logFile: copy.logFile };
  await runBuildStep({ ...step, command: 'cp', args: ['-al', copy.pristine, copy.into], cwd: path.dirname(copy.into) });
  for (const patch of copy.patches) {
    copy.log(`${copy.build}: applying ${patch.name}`);
    await runBuildStep({ ...step, command: 'patch', args: ['-p1', '--forward', '--batch', '--no-backup-if-mismatch', '-i', patch.file], cwd: copy.into });
  }
}

export interface IncrementalBuild {
  build: string;
  /** Top of the QEMU source tree. */
  src: string;
  /** The build folder, kept between builds. */
  buildDir: string;
  env: Record<string, string>;
  logs: string;
  progress?: BuildProgress;
}

/**
 * Configures `buildDir` with slotlab's flags unless it already is (a kept build
 * folder is configured again only when the flags change). A failed configure
 * leaves no flags file, so the next build configures afresh.
 */
export async function ninjaConfigure(job: IncrementalBuild): Promise<void> {
  const flagsFile = path.join(job.buildDir, 'slotlab-configure');
  const configured = fs.existsSync(path.join(job.buildDir, 'build.ninja')) && fs.existsSync(flagsFile) && fs.readFileSync(flagsFile, 'utf8') === configureLine();
  if (configured) return;
  job.progress?.({ build: job.build, phase: 'configure' });
  fs.rmSync(job.buildDir, { recursive: true, force: true });
  fs.mkdirSync(job.buildDir, { recursive: true });
  await runBuildStep({ build: job.build, env: job.env, step: 'configure', command: path.join(job.src, 'configure'), args: [...CONFIGURE_FLAGS], cwd: job.buildDir, logFile: path.join(job.logs, 'configure.log') });
  fs.writeFileSync(flagsFile, configureLine());
}

/** ninja builds qemu-system-x86_64 in a configured folder (from whatever changed in `src`), with [n/N] progress. */
export async function ninjaCompile(job: IncrementalBuild): Promise<void> {
  job.progress?.({ build: job.build, phase: 'compile' });
  await runBuildStep({
    build: job.build,
    env: job.env,
    step: 'compile',
    command: 'ninja',
    args: ['qemu-system-x86_64'],
    cwd: job.buildDir,
    logFile: path.join(job.logs, 'compile.log'),
    onLine: (line) => {
      const counted = ninjaProgress(line);
      if (counted) job.progress?.({ build: job.build, phase: 'compile', ...counted });
    },
  });
}

/** Configure when needed, then compile: a kept build folder rebuilds only what changed in `src`. */
export async function incrementalNinjaBuild(job: IncrementalBuild): Promise<void> {
  await ninjaConfigure(job);
  await ninjaCompile(job);
}
