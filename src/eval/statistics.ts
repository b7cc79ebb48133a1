/**
 * The statistics `warden eval compare` and its gate rest on, written out by hand because they are small:
 * McNemar's exact test, tau-bench's pass^k and Codex's pass@k, a bootstrap by cluster, percentiles, and
 * how many paired instances a test needs. Pure functions: no I/O, no randomness without a seed.
 */
import { UserError } from '../spec/index.ts';

/** A point estimate with the bounds of its confidence interval. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** One paired difference (candidate minus base) and the cluster (repository) it belongs to. */
export interface PairedObservation {
  cluster: string;
  difference: number;
}

/** How `clusteredBootstrap` resamples. Every field has a default. */
export interface BootstrapOptions {
  /** Resamples to draw; 2,000 when absent. */
  resamples?: number;
  /** Coverage of the interval, between 0 and 1; 0.95 when absent. */
  confidence?: number;
  /** Seed of the generator, so the same input gives the same interval; a fixed seed when absent. */
  seed?: number;
}

const DEFAULT_RESAMPLES = 2_000;
const DEFAULT_CONFIDENCE = 0.95;
const DEFAULT_SEED = 18;
// Up to here C(n, i) and 2^-n are plain doubles (C(1000, 500) is about 2.7e299), so small cases come out
// exact; beyond it the terms are summed relative to the largest one, in logarithms.
const DIRECT_BINOMIAL_LIMIT = 1_000;

/**
 * The exact two-sided McNemar test: the chance, if neither run is better, of a split of the discordant
 * pairs at least as uneven as `b` against `c` (a binomial test with p = 0.5). 1 when there are none.
 *
 * @param b - pairs the base resolved and the candidate did not (lost)
 * @param c - pairs the candidate resolved and the base did not (gained)
 * @throws UserError `usage` when a count is not a whole number of at least 0
 */
export function mcnemarExact(b: number, c: number): number {
  requireCount('b', b);
  requireCount('c', c);
  if (b + c === 0) return 1;
  return Math.min(1, 2 * binomialLowerTail(Math.min(b, c), b + c));
}

/**
 * The exact one-sided McNemar test for a drop: the chance, if neither run is better, of at least `lost`
 * losses among `lost + gained` discordant pairs. 1 when there are none.
 *
 * @throws UserError `usage` when a count is not a whole number of at least 0
 */
export function mcnemarExactDrop(lost: number, gained: number): number {
  requireCount('lost', lost);
  requireCount('gained', gained);
  if (lost + gained === 0) return 1;
  return Math.min(1, binomialLowerTail(gained, lost + gained));
}

/**
 * tau-bench's pass^k: from `n` trials of which `c` resolved, the unbiased estimate of the chance that `k`
 * trials all resolve, C(c, k) / C(n, k). 0 when c < k.
 *
 * @throws UserError `usage` unless 0 ≤ c ≤ n and 1 ≤ k ≤ n, all whole numbers
 */
export function passHatK(n: number, c: number, k: number): number {
  requireTrials(n, c, k);
  return ratioOfChoices(c, n, k);
}

/**
 * pass@k: from `n` trials of which `c` resolved, the unbiased estimate of the chance that at least one of
 * `k` trials resolves, 1 − C(n − c, k) / C(n, k).
 *
 * @throws UserError `usage` unless 0 ≤ c ≤ n and 1 ≤ k ≤ n, all whole numbers
 */
export function passAtK(n: number, c: number, k: number): number {
  requireTrials(n, c, k);
  return 1 - ratioOfChoices(n - c, n, k);
}

/**
 * A percentile-method bootstrap interval of the mean paired difference, resampling whole clusters
 * (repositories) with replacement: instances of one repository tend to succeed or fail together, and
 * treating them as independent would make the interval too narrow. The estimate is the plain mean.
 * The same observations, options and seed give the same interval; clusters are taken in name order.
 *
 * @throws UserError `usage` when there are no observations, a difference is not finite, or an option is
 *   out of range
 */
export function clusteredBootstrap(
  observations: readonly PairedObservation[],
  options: BootstrapOptions = {},
): Interval {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (observations.length === 0) throw usage('the bootstrap needs at least one observation');
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw usage(`resamples must be a whole number of at least 1, not ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw usage(`confidence must be between 0 and 1, not ${confidence}`);
  const clusters = new Map<string, { sum: number; count: number }>();
  let total = 0;
  for (const observation of observations) {
    if (!Number.isFinite(observation.difference)) {
      throw usage(`the difference of cluster ${observation.cluster} is not a finite number`);
    }
    const cluster = clusters.get(observation.cluster) ?? { sum: 0, count: 0 };
    cluster.sum += observation.difference;
    cluster.count += 1;
    clusters.set(observation.cluster, cluster);
    total += observation.difference;
  }
  const ordered = [...clusters.keys()].sort().map((name) => clusters.get(name)!);
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const means: number[] = [];
  for (let resample = 0; resample < resamples; resample++) {
    let sum = 0;
    let count = 0;
    for (let draw = 0; draw < ordered.length; draw++) {
      const cluster = ordered[Math.floor(random() * ordered.length)]!;
      sum += cluster.sum;
      count += cluster.count;
    }
    means.push(sum / count);
  }
  const tail = (1 - confidence) / 2;
  return {
    estimate: total / observations.length,
    low: percentile(means, tail),
    high: percentile(means, 1 - tail),
  };
}

/**
 * The `q` quantile of `values` (q = 0.5 is the median, 0.95 the 95th percentile), interpolating linearly
 * between the two nearest ranks (numpy's default). The values need not be sorted.
 *
 * @throws UserError `usage` when there are no values or q is outside 0 … 1
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw usage('a percentile needs at least one value');
  if (!(q >= 0 && q <= 1)) throw usage(`the quantile must be between 0 and 1, not ${q}`);
  const sorted = [...values].sort((left, right) => left - right);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const fraction = position - lower;
  return sorted[lower]! + fraction * (sorted[upper]! - sorted[lower]!);
}

/**
 * How many paired instances McNemar's test needs to detect a drop of `drop` (a fraction: 0.05 is five
 * points) in resolve rate with two-sided level `alpha` and the given `power`, when a fraction
 * `discordantRate` of instances flip between runs (Connor 1987):
 * n = (z(1 − α/2)·√p + z(power)·√(p − δ²))² / δ², rounded up.
 *
 * @returns `null` when the formula does not apply: no drop (δ ≤ 0), or too few flips to produce one
 *   (p ≤ δ²), or a rate, level or power outside 0 … 1
 */
export function instancesNeeded(
  discordantRate: number,
  drop: number,
  alpha: number,
  power = 0.8,
): number | null {
  if (!(drop > 0) || !(discordantRate <= 1) || discordantRate <= drop * drop) return null;
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) return null;
  const root =
    normalQuantile(1 - alpha / 2) * Math.sqrt(discordantRate) +
    normalQuantile(power) * Math.sqrt(discordantRate - drop * drop);
  return Math.ceil((root * root) / (drop * drop));
}

/**
 * The standard normal quantile (the inverse of its distribution function), by Acklam's rational
 * approximation: relative error below 1.2e-9 over the whole range.
 *
 * @throws UserError `usage` unless 0 < p < 1
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw usage(`a normal quantile needs 0 < p < 1, not ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tailNumerator = (q: number) =>
    ((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + 4.374664141464968) * q + 2.938163982698783;
  const tailDenominator = (q: number) => (((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1;
  const lowTail = 0.02425;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return tailNumerator(q) / tailDenominator(q);
  }
  if (p > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -tailNumerator(q) / tailDenominator(q);
  }
  const q = p - 0.5;
  const r = q * q;
  const numerator = ((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + 2.506628277459239;
  const denominator = ((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1;
  return (numerator * q) / denominator;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), with k ≤ n. */
function binomialLowerTail(k: number, n: number): number {
  if (k >= n) return 1;
  if (n <= DIRECT_BINOMIAL_LIMIT) {
    let choose = 1;
    let sum = 1;
    for (let i = 0; i < k; i++) {
      choose = (choose * (n - i)) / (i + 1);
      sum += choose;
    }
    return Math.min(1, sum * 2 ** -n);
  }
  // Terms below the mode grow with i, so sum them relative to the last one, then scale by it.
  let logLast = -n * Math.LN2;
  for (let i = 0; i < k; i++) logLast += Math.log(n - i) - Math.log(i + 1);
  let relative = 1;
  let sum = 1;
  for (let i = k; i > 0; i--) {
    relative *= i / (n - i + 1);
    if (relative < Number.EPSILON * sum) break;
    sum += relative;
  }
  return Math.min(1, sum * Math.exp(logLast));
}

/** C(top, k) / C(n, k) as a product of ratios, which neither overflows nor loses precision. */
function ratioOfChoices(top: number, n: number, k: number): number {
  if (top < k) return 0;
  let ratio = 1;
  for (let i = 0; i < k; i++) ratio *= (top - i) / (n - i);
  return ratio;
}

/** A small, fast generator with 32 bits of state (Tommy Ettinger's mulberry32); not for secrets. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw usage(`${name} must be a whole number of at least 0`);
}

function requireTrials(n: number, c: number, k: number): void {
  requireCount('n', n);
  requireCount('c', c);
  requireCount('k', k);
  if (c > n) throw usage(`resolved trials (${c}) cannot exceed trials (${n})`);
  if (k < 1 || k > n) throw usage(`k must be between 1 and the trials (${n}), not ${k}`);
}

function usage(message: string): UserError {
  return new UserError('usage', message);
}
