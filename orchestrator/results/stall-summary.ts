import { z } from 'zod';
import type { StallRecord } from '../images/spin-contract.js';

/** The spin guest's stall records read at one moment, with the host's clock (performance.now(), ms). */
export interface StallReading {
  atMs: number;
  records: StallRecord[];
}

/** Gaps between loop iterations per vCPU while mutations ran, as the guest saw them (images/README.md, stall records). */
export const stallsSchema = z.object({
  /** The guest's TSC rate, calibrated against the host's clock over the span. */
  tscPerUs: z.number().positive(),
  /** Between the two readings. */
  spanMs: z.number().min(0),
  vcpus: z.array(
    z.object({
      /** Loop iterations over the span (each one gap). */
      gaps: z.number().int().min(0),
      /** Gaps of [2^k, 2^(k+1)) TSC cycles, by k; empty buckets left out. */
      buckets: z.record(z.string().regex(/^\d+$/), z.number().int().min(1)),
      /** The largest gap is below this: the top non-empty bucket's upper edge in µs; null without gaps. */
      largestGapBelowUs: z.number().nullable(),
    }),
  ),
});

export type Stalls = z.infer<typeof stallsSchema>;

/** What changed between two readings; undefined when the TSC did not move (no vCPU ran) or the readings do not pair up. */
export function stallsBetween(before: StallReading, after: StallReading): Stalls | undefined {
  const spanMs = after.atMs - before.atMs;
  if (spanMs <= 0 || before.records.length === 0 || before.records.length !== after.records.length) return undefined;
  const advanced = after.records.reduce((most, record, vcpu) => {
    const delta = record.lastTsc - before.records[vcpu]!.lastTsc;
    return delta > most ? delta : most;
  }, 0n);
  if (advanced <= 0n) return undefined;
  const tscPerUs = Number(advanced) / (spanMs * 1000);
  const vcpus = after.records.map((record, vcpu) => {
    const buckets: Record<string, number> = {};
    let gaps = 0;
    let top: number | undefined;
    record.buckets.forEach((count, k) => {
      const added = count - before.records[vcpu]!.buckets[k]!;
      if (added <= 0) return;
      buckets[String(k)] = added;
      gaps += added;
      top = k;
    });
    return { gaps, buckets, largestGapBelowUs: top === undefined ? null : round(2 ** (top + 1) / tscPerUs) };
  });
  return { tscPerUs: round(tscPerUs), spanMs: Math.round(spanMs), vcpus };
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
