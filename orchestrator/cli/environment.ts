import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { configurePaths } from '../paths.js';
import { kernelProvenanceSchema } from '../results/provenance.js';
import { CONTEXT_ENV, type RunContext, type RunLocation, makeRunContext } from '../run-context.js';

type Environment = Readonly<Record<string, string | undefined>>;

export class EnvironmentError extends SlotlabError {
  constructor(variable: string, detail: string) {
    super('BAD_ENVIRONMENT', `${variable}: ${detail}; unset it (slotlab sets it itself for a run inside a kernel under test)`);
  }
}

/** Where the run executes: inside a kernel under test when its job named the kernel's provenance file. */
export function locationFromEnvironment(env: Environment): RunLocation {
  const file = env[CONTEXT_ENV.kernelProvenance];
  if (!file) return { kind: 'host' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new EnvironmentError(CONTEXT_ENV.kernelProvenance, `cannot read ${file} (${(error as Error).message})`);
  }
  const parsed = kernelProvenanceSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new EnvironmentError(CONTEXT_ENV.kernelProvenance, `${file} is not a kernel's provenance (${parsed.error.issues[0]?.message})`);
  return { kind: 'kernel-under-test', kernel: parsed.data };
}

/** The run context the CLI passes down: SLOTLAB_TIME_SCALE (1 if unset or below 1) and where it runs. */
export function contextFromEnvironment(env: Environment): RunContext {
  const scale = Number(env[CONTEXT_ENV.timeScale] ?? 1);
  return makeRunContext({ timeScale: Number.isFinite(scale) ? scale : 1, location: locationFromEnvironment(env) });
}

/** The cache ($SLOTLAB_CACHE, else $XDG_CACHE_HOME/slotlab, else ~/.cache/slotlab), the runs folder ($SLOTLAB_RUNS_DIR) and saved states ($SLOTLAB_STATES_DIR). */
export function pathsFromEnvironment(env: Environment): { cache?: string; runs?: string; states?: string } {
  const cache = env[CONTEXT_ENV.cache] || (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'slotlab') : undefined);
  return { cache, runs: env[CONTEXT_ENV.runs] || undefined, states: env[CONTEXT_ENV.states] || undefined };
}

/** Read once when a command starts: the only place slotlab's behaviour comes from environment variables. */
export function applyEnvironment(env: Environment = process.env): RunContext {
  configurePaths(pathsFromEnvironment(env));
  return contextFromEnvironment(env);
}
