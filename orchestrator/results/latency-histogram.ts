/**
 * Log-spaced latency histogram (8 buckets per doubling, ~9% wide), small enough
 * to keep one per iteration record and exact enough to merge iterations and
 * read percentiles from the merged counts.
 */
export type LatencyHistogram = Record<string, number>;

const PER_OCTAVE = 8;

export function bucketOf(us: number): number {
  return Math.floor(Math.log2(Math.max(1, us)) * PER_OCTAVE);
}

/** The geometric middle of a bucket, in microseconds. */
export function bucketValue(bucket: number): number {
  return Math.round(2 ** ((bucket + 0.5) / PER_OCTAVE));
}

export function histogramOf(samplesUs: readonly number[]): LatencyHistogram {
  const histogram: LatencyHistogram = {};
  for (const us of samplesUs) {
    const key = String(bucketOf(us));
    histogram[key] = (histogram[key] ?? 0) + 1;
  }
  return histogram;
}

export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged: LatencyHistogram = {};
  for (const histogram of histograms) {
    for (const [key, count] of Object.entries(histogram)) merged[key] = (merged[key] ?? 0) + count;
  }
  return merged;
}

export function histogramCount(histogram: LatencyHistogram): number {
  return Object.values(histogram).reduce((sum, count) => sum + count, 0);
}

/** Nearest-rank quantile `q` (0..1] of the histogram, as a bucket's middle value; undefined when empty. */
export function histogramQuantile(histogram: LatencyHistogram, q: number): number | undefined {
  const buckets = Object.entries(histogram)
    .map(([key, count]) => [Number(key), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucketValue(bucket);
  }
  return bucketValue(buckets.at(-1)![0]);
}
