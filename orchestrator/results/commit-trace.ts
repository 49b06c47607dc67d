import { z } from 'zod';
import { summarizeLatency } from './latency.js';

/**
 * QEMU trace events slotlab enables on every machine, and what they mark:
 * - kvm_set_user_memory: one KVM_SET_USER_MEMORY_REGION (size 0: a delete), in every QEMU;
 * - memory_region_transaction_commit_begin/end: the listeners' begin() to commit() of one memory
 *   transaction (qemu-patches/<base>/common, every source variant);
 * - kvm_slot_swap_hold/release (qemu-patches/7.2/paused-vcpu) and accel_ioctl_inhibit_begin/end
 *   (qemu-patches/10.0/common, upstream's accelerator blocker): vCPUs kept out of KVM_RUN.
 * Globs, so that a binary without an event starts all the same.
 */
export const COMMIT_TRACE_EVENTS = ['kvm_set_user_memory', 'memory_region_transaction_commit_*', 'kvm_slot_swap_*', 'accel_ioctl_inhibit_*'] as const;

const summary = z.object({ count: z.number().int().min(1), meanUs: z.number(), p50Us: z.number(), p99Us: z.number(), maxUs: z.number(), totalUs: z.number() });

/** What QEMU's own trace says one iteration's memory-map changes cost (measured inside QEMU, timestamps in µs). */
export const commitCostSchema = z.object({
  /** `transactions`: the build traces each transaction's begin and commit; `slot-ioctls`: only the slot ioctls (a binary without our tracing patch). */
  source: z.enum(['transactions', 'slot-ioctls']),
  slotIoctls: z.number().int().min(0),
  /** Slot ioctls of size 0. */
  deletes: z.number().int().min(0),
  /** Transactions whose listeners ran (memory_region_transaction_commit with an update pending); null without the events. */
  transactions: z.number().int().min(0).nullable(),
  /** Transactions that changed a KVM slot (the KVM listener's commits that did something); null without the events. */
  commits: z.number().int().min(0).nullable(),
  /** Commits that deleted a slot and added one overlapping its range (without transaction events: such delete, add pairs). */
  overlapping: z.number().int().min(0),
  /** Begin to commit of each slot-changing transaction; null without the events (or with none). */
  commitUs: summary.nullable(),
  /** How long vCPUs were kept out of KVM_RUN per hold (paused-vcpu builds); null where the build has no such events or never held. */
  heldUs: summary.nullable(),
  /** What this build's trace cannot give. */
  missing: z.array(z.string()),
});

export type CommitCost = z.infer<typeof commitCostSchema>;

interface SlotChange {
  key: string;
  start: bigint;
  size: bigint;
}

const LINE = /^\d+@(\d+)\.(\d{6}):(\w+)(?: (.*))?$/;
const SLOT = /(?:AddrSpace#(\d+) )?Slot#(\d+) flags=0x[0-9a-f]+ gpa=0x([0-9a-f]+) size=0x([0-9a-f]+)/;

/** Parses QEMU's trace log (COMMIT_TRACE_EVENTS, -msg timestamp=on); undefined when it holds no slot ioctl at all (no trace). */
export function commitCostOf(traceText: string): CommitCost | undefined {
  const slots = new Map<string, SlotChange>();
  const commitTimes: number[] = [];
  const holdTimes: number[] = [];
  let sawTransactions = false;
  let sawHoldEvents = false;
  let transactions = 0;
  let ioctls = 0;
  let deletes = 0;
  let overlapping = 0;
  let commits = 0;
  let open: { at: number; deleted: SlotChange[]; added: SlotChange[] } | undefined;
  let holdAt: number | undefined;
  // Without transaction events: deletes not yet followed by an overlapping add.
  let pendingDeletes: SlotChange[] = [];

  for (const line of traceText.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const at = Number(match[1]) * 1e6 + Number(match[2]);
    const [event, args = ''] = [match[3]!, match[4]];
    if (event === 'memory_region_transaction_commit_begin') {
      sawTransactions = true;
      transactions++;
      open = { at, deleted: [], added: [] };
    } else if (event === 'memory_region_transaction_commit_end') {
      if (!open) continue;
      if (open.deleted.length + open.added.length > 0) {
        commits++;
        commitTimes.push(at - open.at);
        if (open.deleted.some((deleted) => open!.added.some((added) => overlaps(deleted, added)))) overlapping++;
      }
      open = undefined;
    } else if (event === 'kvm_slot_swap_hold' || event === 'accel_ioctl_inhibit_begin') {
      sawHoldEvents = true;
      holdAt = at;
    } else if ((event === 'kvm_slot_swap_release' || event === 'accel_ioctl_inhibit_end') && holdAt !== undefined) {
      holdTimes.push(at - holdAt);
      holdAt = undefined;
    } else if (event === 'kvm_set_user_memory') {
      const slot = SLOT.exec(args);
      if (!slot) continue;
      ioctls++;
      // QEMU 7.2 prints the address space in the slot number's high 16 bits, 10.0 on its own.
      const raw = Number(slot[2]);
      const key = `${slot[1] ?? raw >>> 16}:${raw & 0xffff}`;
      const size = BigInt(`0x${slot[4]}`);
      const change = { key, start: BigInt(`0x${slot[3]}`), size };
      if (size === 0n) {
        deletes++;
        const was = slots.get(key);
        slots.delete(key);
        if (!was) continue;
        open?.deleted.push(was);
        pendingDeletes.push(was);
      } else {
        slots.set(key, change);
        open?.added.push(change);
        if (!sawTransactions && pendingDeletes.some((deleted) => overlaps(deleted, change))) {
          overlapping++;
          pendingDeletes = pendingDeletes.filter((deleted) => !overlaps(deleted, change));
        }
      }
    }
  }
  if (ioctls === 0) return undefined;
  const missing = sawTransactions ? [] : ['transactions', 'commits', 'commit time'];
  if (!sawHoldEvents && !sawTransactions) missing.push('vCPU hold time');
  return {
    source: sawTransactions ? 'transactions' : 'slot-ioctls',
    slotIoctls: ioctls,
    deletes,
    transactions: sawTransactions ? transactions : null,
    commits: sawTransactions ? commits : null,
    overlapping,
    commitUs: withTotal(commitTimes),
    heldUs: withTotal(holdTimes),
    missing,
  };
}

function overlaps(a: SlotChange, b: SlotChange): boolean {
  return a.key.split(':')[0] === b.key.split(':')[0] && a.start < b.start + b.size && b.start < a.start + a.size;
}

function withTotal(samplesUs: number[]): CommitCost['commitUs'] {
  const latency = summarizeLatency(samplesUs);
  return latency && { ...latency, totalUs: samplesUs.reduce((sum, value) => sum + value, 0) };
}
