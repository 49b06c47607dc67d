import { commitCostSchema } from './commit-trace.js';
import { stallsSchema } from './stall-summary.js';
import { z } from 'zod';
import { flightSchema } from './flight-files.js';
import { CELL_FAMILIES, buildProvenanceSchema, kernelProvenanceSchema } from './provenance.js';

export { buildProvenanceSchema, kernelProvenanceSchema } from './provenance.js';

/** Bump when a field changes meaning or goes away; readers reject schemas they do not know. */
export const RECORD_SCHEMA = 'slotlab.iteration/1';

/** `livelock`: QEMU kept re-entering a vCPU that made no progress (see runner/livelock.ts), the guest neither stopped nor running. */
export const OUTCOMES = ['guest-lost', 'survived', 'stalled', 'livelock', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** race/safe: does the family lose guests to a memory-map change; stopped/livelock: is a guest in the weeds stopped or re-entered for ever. */
export const EXPECTATIONS = ['race', 'safe', 'stopped', 'livelock'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

/** The machine QEMU ran on: the real host, or a kernel under test booted as L1 (then `kernelUnderTest` says which). */
export const hostSchema = z.object({
  kernel: z.string(),
  cpu: z.string(),
  cpus: z.number().int(),
  memoryGiB: z.number(),
  /** KVM_CHECK_EXTENSION values (kvm-probe caps), e.g. USER_MEMORY_REGION_LIST. */
  kvm: z.record(z.string(), z.number()).optional(),
  kernelUnderTest: kernelProvenanceSchema.optional(),
  /** This kernel's boot (/proc/sys/kernel/random/boot_id): inside a kernel under test, which L1 boot ran the iteration; absent in older records. */
  bootId: z.string().optional(),
});

const latencySummarySchema = z.object({
  count: z.number().int().min(1),
  meanUs: z.number(),
  p50Us: z.number(),
  p99Us: z.number(),
  maxUs: z.number(),
});

const failureSchema = z.object({
  runState: z.string(),
  suberror: z.number().int().optional(),
  /** An mmio-aware QEMU stopped the guest at a fetch without a memory slot outside any memory map change: that GPA. */
  fetchWithoutSlotGpa: z.string().regex(/^0x[0-9a-f]+$/).optional(),
  emulationFailure: z.boolean(),
  /** QEMU's CPU index of the vCPU whose register dump QEMU printed. */
  vcpu: z.number().int().optional(),
  instructionPointer: z.number().optional(),
  /** The instruction pointer exactly, in hex (a 64-bit RIP loses digits as a number). */
  instructionPointerHex: z.string().regex(/^0x[0-9a-f]+$/).optional(),
  /** Whether the failing instruction pointer lies in the spin loops' range. */
  inLoopRange: z.boolean(),
  /** What the guest itself printed about its end, e.g. a Linux guest's panic and oops lines. */
  guestReport: z.string().optional(),
  /** The exit that led KVM into its emulator (internal-error.ts: decodeEmulationExit); absent where the kernel prints no extra data, and in older records. */
  exit: z
    .object({
      reasonHex: z.string(),
      name: z.string().optional(),
      info1Hex: z.string(),
      info2Hex: z.string(),
      fetch: z.boolean().optional(),
      instructionBytesHex: z.string().optional(),
    })
    .optional(),
  /** QEMU's `Code=` bytes around the failing instruction pointer (the byte there in <>). */
  code: z.string().optional(),
});

/** A vCPU QEMU kept re-entering without progress: where it stood, for how long, and its KVM exit counters from two query-stats samples. */
const livelockSchema = z.object({
  vcpu: z.number().int().min(0),
  instructionPointerHex: z.string().regex(/^0x[0-9a-f]+$/),
  /** From its loop counter's last advance (or the first sample, for a guest without counters) to the last sample. */
  stuckMs: z.number().min(0),
  /** Whether a loop counter proved it still (spin); false: judged by RIP and exits alone (a user's image). */
  counterStill: z.boolean(),
  /** Between the two samples. */
  sampleMs: z.number().min(0),
  /** KVM binary stats (exits, mmio_exits, halt_exits, insn_emulation, ...): [first sample, second sample]. */
  exits: z.record(z.string(), z.tuple([z.number(), z.number()])),
});

const counter = z.string().regex(/^\d+$/);

/** One iteration (one guest boot) of one suite on one build: the unit everything downstream counts. */
export const iterationRecordSchema = z.object({
  schema: z.literal(RECORD_SCHEMA),
  runId: z.string(),
  suite: z.object({ name: z.string(), file: z.string(), sha256: z.string() }),
  build: buildProvenanceSchema,
  /** The fix this build carries on this host (cell-family.ts); absent in older records, where it follows from build.family and host.kvm. */
  family: z.enum(CELL_FAMILIES).optional(),
  /** What the suite expects of that family, if it says. */
  expected: z.enum(EXPECTATIONS).nullable(),
  host: hostSchema,
  /** The guest's vCPUs (the suite's machine.cpus, or the run's --cpus); absent in older records. */
  vcpus: z.number().int().min(1).optional(),
  iteration: z.number().int().min(0),
  seed: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().min(0),
  outcome: z.enum(OUTCOMES),
  /** What ended the iteration: mutations | duration | checkpoint | a run state | qemu-exited | error. */
  stopReason: z.string(),
  limits: z.object({ mutations: z.number().int().min(1), durationSeconds: z.number().positive() }),
  mutationsAttempted: z.number().int().min(0),
  mutationsApplied: z.number().int().min(0),
  /** From the iteration's start to its first mutation: QEMU's launch and the guest's boot or restore; absent in older records and when it got no further. */
  startUpMs: z.number().min(0).optional(),
  /** The start-up step by step, in order (ms each): launch, boot or state load, the guest ready, saving its state. */
  startPhases: z.record(z.string(), z.number().min(0)).optional(),
  /** From the first mutation to the end of mutating (the loss, or a limit). */
  mutationPhaseMs: z.number().min(0),
  timeToFailureMs: z.number().nullable(),
  failure: failureSchema.nullable(),
  /** Outcome livelock: the evidence. */
  livelock: livelockSchema.optional(),
  /** Per-vCPU loop counters (decimal strings: they are 64-bit) before the first and after the last mutation. */
  progressBefore: z.array(counter),
  progressAfter: z.array(counter),
  progressRising: z.boolean(),
  /** False when progress is unknown, not stalled: the guest (a user image) keeps no spin mailbox, or a vCPU was seen still over a span too short to judge. Absent means known. */
  progressKnown: z.boolean().optional(),
  /** The judgement of the vCPU counters (see progress-watch.ts): `stalled` needs a vCPU still over STALL_WINDOW_MS or more. */
  progress: z.enum(['advancing', 'stalled', 'unknown']).optional(),
  /** From the first counter reading to the last: the span progress was judged over. */
  progressSpanMs: z.number().min(0).optional(),
  /** All vCPUs' loop iterations per second while mutations ran; null when not measured. */
  progressPerSecond: z.number().nullable(),
  latency: latencySummarySchema.nullable(),
  /** Per-mutation latency (send to QMP reply), log-spaced buckets: see latency-histogram.ts. */
  latencyHistogram: z.record(z.string().regex(/^\d+$/), z.number().int().min(1)),
  /** For in-guest mutators: what the guest measured of its own mutations (TSC, calibrated against the host clock). */
  guestCost: z.object({ meanUs: z.number(), maxUs: z.number(), tscPerUs: z.number() }).nullable(),
  /** What the memory-map changes cost inside QEMU, from its trace events (commit-trace.ts); absent in older records and where QEMU traced nothing. */
  commitCost: commitCostSchema.optional(),
  /** The spin guest's gaps between loop iterations over the mutation phase (stall-summary.ts); absent for other guests and in older records. */
  stalls: stallsSchema.optional(),
  /** The load of the machine QEMU ran on (inside a kernel under test: L1's) at the iteration's start and end; absent in older records. */
  load: z
    .object({
      before: z.object({ loadavg1: z.number(), cpuSomeAvg10: z.number().optional() }).strict(),
      after: z.object({ loadavg1: z.number(), cpuSomeAvg10: z.number().optional() }).strict(),
    })
    .optional(),
  stderrExcerpt: z.string(),
  /** A Linux guest's last console lines (progress lines left out). */
  serialExcerpt: z.string().optional(),
  /** QEMU's own warnings (e.g. the atomic-ioctl build falling back on a kernel without the list ioctl). */
  qemuWarnings: z.array(z.string()).optional(),
  /** How QEMU went at the end: it quit when asked, had to be SIGKILLed after the timeout (a hung QEMU), or had exited already; absent in older records. */
  shutdown: z.object({ how: z.enum(['graceful', 'killed', 'exited']), durationMs: z.number().min(0) }).optional(),
  /** What the QMP session noticed and went on from (a reply nobody waited for, a listener that threw). */
  qmpNotes: z.array(z.string()).optional(),
  /** The iteration's flight recording (QMP transcript, QEMU command line, console), files beside the records. */
  flight: flightSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Earlier boots of this iteration whose guest was lost before any mutation (GUEST_BOOT_LOST), retried; absent means none. */
  bootRetries: z.number().int().min(1).optional(),
  /** How the guest started: booted, or restored from the state a booted iteration saved (boot once, restore many). */
  start: z.enum(['booted', 'restored']).optional(),
  /** A restore that failed (the iteration then booted), or a state that could not be saved. */
  startNote: z.string().optional(),
});

export type IterationRecord = z.infer<typeof iterationRecordSchema>;
export type FailureDetail = z.infer<typeof failureSchema>;
export type LivelockEvidence = z.infer<typeof livelockSchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;
