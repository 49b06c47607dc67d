import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ProcessError } from '../errors.js';
import { CONFIGURE_FLAGS, configureLine } from './build-config.js';
import type { BuildPhase, BuildProgress } from './build-types.js';
import { type TreeConfigure, flagsForTree } from './configure-flags.js';
import { mesonForTree } from './tree-meson.js';

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
    /** What to do about it, when the step knows (e.g. which packages a configure failure most likely needs). */
    hint?: string,
  ) {
    super(
      'BUILD_STEP_FAILED',
      `build ${build}: ${step} failed (${signal ? `signal ${signal}` : `exit code ${exitCode}`} after ${(durationMs / 1000).toFixed(1)} s); last lines of its log:\n` +
        `${tail}\n${hint ? `${hint}\n` : ''}full log: ${logFile}`,
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
  /** Said after the log tail when the step fails. */
  hint?: string;
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
    throw new BuildStepError(step.build, step.step, step.logFile, tail.join('\n'), result.exitCode, result.signal, Date.now() - started, [step.command, ...step.args], step.hint);
  }
}

/** `[n/N]` progress from a ninja output line. */
export function ninjaProgress(line: string): { done: number; total: number } | undefined {
  const match = /^\[(\d+)\/(\d+)\]/.exec(line);
  return match ? { done: Number(match[1]), total: Number(match[2]) } : undefined;
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
  /** Says what configuring chose (flags left out, the meson fetched). */
  log?: (line: string) => void;
}

/**
 * What slotlab reads of a tree before configuring it: its version, `configure --help`, the script;
 * undefined for a configure that is not QEMU's (it never mentions --target-list), which gets slotlab's flags as they are.
 */
export async function readTreeConfigure(src: string, env: Record<string, string>): Promise<TreeConfigure | undefined> {
  const script = path.join(src, 'configure');
  const text = fs.existsSync(script) ? fs.readFileSync(script, 'utf8') : '';
  if (!text.includes('--target-list')) return undefined;
  const versionFile = path.join(src, 'VERSION');
  const help = await execa(script, ['--help'], { cwd: src, env, extendEnv: false, reject: false, stdin: 'ignore' });
  if (help.exitCode !== 0 || !help.stdout.includes('--target-list')) return undefined;
  return { version: fs.existsSync(versionFile) ? fs.readFileSync(versionFile, 'utf8').trim() : '0', help: help.stdout, script: text };
}

const CONFIGURE_HINT =
  "a configure failure most often names what it misses: a library (install its Debian -dev package, e.g. apt-get install libglib2.0-dev), a tool, or a meson version (see the meson line above); slotlab's flags for this tree are in the log's first line";

/**
 * Configures `buildDir` for the tree in `src` unless it already is: with the
 * flags of slotlab's the tree's configure knows (configure-flags.ts) and the
 * meson it needs (tree-meson.ts). A kept build folder is configured again only
 * when that line changes (a bisected commit needing another meson, new flags).
 * A failed configure leaves no line, so the next build configures afresh.
 * Returns the configure line, as recorded with the build.
 */
export async function ninjaConfigure(job: IncrementalBuild): Promise<string> {
  const tree = await readTreeConfigure(job.src, job.env);
  const { flags, dropped } = tree ? flagsForTree(tree, CONFIGURE_FLAGS) : { flags: [...CONFIGURE_FLAGS], dropped: [] };
  const meson = await mesonForTree(job.src, job.env, job.log ?? (() => {}));
  const line = configureLine(flags) + (meson.how === 'as the tree chooses' ? '' : ` (meson: ${meson.how})`);
  const flagsFile = path.join(job.buildDir, 'slotlab-configure');
  const configured = fs.existsSync(path.join(job.buildDir, 'build.ninja')) && fs.existsSync(flagsFile) && fs.readFileSync(flagsFile, 'utf8') === line;
  if (configured) return line;
  job.progress?.({ build: job.build, phase: 'configure' });
  if (dropped.length > 0) job.log?.(`${job.build}: QEMU ${tree?.version}'s configure does not know ${dropped.join(' ')}: configured without`);
  fs.rmSync(job.buildDir, { recursive: true, force: true });
  fs.mkdirSync(job.buildDir, { recursive: true });
  const env = { ...job.env, ...meson.env };
  await runBuildStep({ build: job.build, env, step: 'configure', command: path.join(job.src, 'configure'), args: flags, cwd: job.buildDir, logFile: path.join(job.logs, 'configure.log'), hint: CONFIGURE_HINT });
  fs.writeFileSync(flagsFile, line);
  return line;
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

/** Configure when needed, then compile: a kept build folder rebuilds only what changed in `src`. Returns the configure line. */
export async function incrementalNinjaBuild(job: IncrementalBuild): Promise<string> {
  const line = await ninjaConfigure(job);
  await ninjaCompile(job);
  return line;
}
