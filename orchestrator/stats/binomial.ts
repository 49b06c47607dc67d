/** Intervals for a binomial proportion k/n. */

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

const Z95 = 1.959963984540054;

/** Wilson score interval (two-sided, 95% by default). */
export function wilsonInterval(k: number, n: number, z = Z95): Interval {
  if (n === 0) return { estimate: 0, low: 0, high: 1 };
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** Lanczos approximation, good to ~15 digits for positive arguments. */
function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, sum);
}

/** The p in [0, 1] where a monotonic function of p crosses `target`, by bisection. */
function solve(f: (p: number) => number, target: number, increasing: boolean): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (f(mid) < target === increasing) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Clopper-Pearson exact interval, two-sided with total error `alpha`. */
export function clopperPearson(k: number, n: number, alpha = 0.05): Interval {
  if (n === 0) return { estimate: 0, low: 0, high: 1 };
  // low: P(X >= k) = alpha/2, which grows with p; high: P(X <= k) = alpha/2, which shrinks with p.
  // At the edges the bounds have closed forms: 1 - (alpha/2)^(1/n) for k = 0 and its mirror for k = n.
  const low = k === 0 ? 0 : k === n ? (alpha / 2) ** (1 / n) : solve((p) => 1 - binomialCdf(k - 1, n, p), alpha / 2, true);
  const high = k === n ? 1 : k === 0 ? zeroEventUpperBound(n, alpha / 2) : solve((p) => binomialCdf(k, n, p), alpha / 2, false);
  return { estimate: k / n, low, high };
}

/** One-sided exact upper bound for zero events in n trials (the rule of three is its approximation 3/n). */
export function zeroEventUpperBound(n: number, alpha = 0.05): number {
  return n === 0 ? 1 : 1 - alpha ** (1 / n);
}

/** Trials with no event needed before `zeroEventUpperBound` drops below `bound`. */
export function trialsForUpperBound(bound: number, alpha = 0.05): number {
  return Math.ceil(Math.log(alpha) / Math.log1p(-bound));
}
