import type { KernelProvenance } from './results/provenance.js';

/**
 * Every harness wait slotlab makes, by name, in milliseconds on a host whose KVM
 * runs the guest directly. A run context scales them all once (inside a kernel
 * under test, L1 under TCG, everything is several times slower). Stop conditions
 * (mutation counts, durations) are limits, not waits, and are never scaled.
 */
export const DEFAULT_TIMEOUTS = {
  /** From QEMU's start to its QMP connection. */
  qemuLaunchMs: 20_000,
  /** One QMP command's reply (and the greeting). */
  qmpCommandMs: 10_000,
  /** From `quit` to QEMU's exit before it is killed. */
  shutdownMs: 5_000,
  /** The shortest span without a counter advance that counts as a stalled vCPU. */
  stallWindowMs: 1_000,
  /** A fresh progress reading of the Linux guest, which prints one every 0.5 s. */
  linuxFreshProgressMs: 5_000,
  /** A Linux guest that prints no progress line for this long has hung. */
  linuxSilenceMs: 6_000,
  /** A migration (dirty-log mutator) reaching the state it waits for. */
  migrationSettleMs: 10_000,
  /** Saving a guest's state into its file, or loading it back (boot once, restore many). */
  guestStateMs: 30_000,
  /** DEVICE_DELETED after an ejection the orchestrator makes itself. */
  dimmDeleteMs: 10_000,
  /** The guest's own ejection of a DIMM after device_del. */
  dimmGuestEjectMs: 20_000,
  /** How often device_del is repeated while the guest has not ejected. */
  dimmGuestEjectRetryMs: 3_000,
} as const;

export type TimeoutName = keyof typeof DEFAULT_TIMEOUTS;

export interface Timeouts extends Readonly<Record<TimeoutName, number>> {
  /** The factor every wait was multiplied by (1 on the host). */
  readonly scale: number;
  /** A suite's own wait (a boot timeout, a plug timeout) scaled like the named ones. */
  scaled(ms: number): number;
}

/** Where a run executes: on this host, or inside a kernel under test that slotlab booted (L1). */
export type RunLocation = { kind: 'host' } | { kind: 'kernel-under-test'; kernel: KernelProvenance };

/** What a run is told from outside instead of reading it from the environment: its waits and where it runs. */
export interface RunContext {
  readonly timeouts: Timeouts;
  readonly location: RunLocation;
}

export interface RunContextOptions {
  /** Multiplies every wait; values below 1 (or not finite) mean 1. */
  timeScale?: number;
  location?: RunLocation;
  /** Replaces named waits before scaling (tests, or a user who knows their host). */
  timeouts?: Partial<Record<TimeoutName, number>>;
}

export function makeTimeouts(timeScale = 1, overrides: Partial<Record<TimeoutName, number>> = {}): Timeouts {
  const scale = Number.isFinite(timeScale) && timeScale >= 1 ? timeScale : 1;
  const scaled = (ms: number) => Math.round(ms * scale);
  const named = Object.fromEntries(Object.entries({ ...DEFAULT_TIMEOUTS, ...overrides }).map(([name, ms]) => [name, scaled(ms)])) as Record<TimeoutName, number>;
  return Object.freeze({ ...named, scale, scaled });
}

/** The context of a run, its waits scaled here and nowhere else. */
export function makeRunContext(options: RunContextOptions = {}): RunContext {
  return { timeouts: makeTimeouts(options.timeScale, options.timeouts), location: options.location ?? { kind: 'host' } };
}

/** A run on this host with the default waits. */
export const HOST_CONTEXT: RunContext = makeRunContext();

/** The kernel under test the run executes in, if any. */
export function kernelUnderTest(context: RunContext): KernelProvenance | undefined {
  return context.location.kind === 'kernel-under-test' ? context.location.kernel : undefined;
}

/**
 * The environment variables through which the CLI learns its context; only the
 * CLI reads them (cli/environment.ts), and the job of a kernel under test sets them.
 */
export const CONTEXT_ENV = {
  timeScale: 'SLOTLAB_TIME_SCALE',
  /** The provenance file of the kernel under test the CLI runs inside. */
  kernelProvenance: 'SLOTLAB_KERNEL_PROVENANCE',
  cache: 'SLOTLAB_CACHE',
  runs: 'SLOTLAB_RUNS_DIR',
  /** Where saved guest states are kept (default: the cache's guest-states/). */
  states: 'SLOTLAB_STATES_DIR',
} as const;
