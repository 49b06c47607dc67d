/**
 * Factor every harness timeout is multiplied by: SLOTLAB_TIME_SCALE, 1 by
 * default. A run inside a kernel under test (L1 under TCG) sets it, because
 * everything there, from guest boot to QMP replies, is several times slower.
 * Stop conditions (mutation counts, durations) are not scaled.
 */
export function timeScale(): number {
  const value = Number(process.env.SLOTLAB_TIME_SCALE ?? 1);
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

export function scaled(ms: number): number {
  return Math.round(ms * timeScale());
}
