import { describe, expect, it } from 'vitest';
import { UserError } from '../spec/index.ts';
import {
  clusteredBootstrap,
  instancesNeeded,
  mcnemarExact,
  mcnemarExactDrop,
  normalQuantile,
  type PairedObservation,
  passAtK,
  passHatK,
  percentile,
} from './statistics.ts';

/** 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), in exact integers, then as a double. */
function exactTwoSided(b: number, c: number): number {
  const n = BigInt(b + c);
  const k = BigInt(Math.min(b, c));
  let choose = 1n;
  let sum = 1n;
  for (let i = 0n; i < k; i++) {
    choose = (choose * (n - i)) / (i + 1n);
    sum += choose;
  }
  const scale = 10n ** 80n;
  return Math.min(1, Number((2n * sum * scale) / 2n ** n) / 1e80);
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('mcnemarExact', () => {
  it('gives the exact two-sided p-values of small splits', () => {
    expect(mcnemarExact(3, 0)).toBeCloseTo(0.25, 15);
    expect(mcnemarExact(0, 3)).toBeCloseTo(0.25, 15);
    expect(mcnemarExact(5, 0)).toBeCloseTo(0.0625, 15);
    expect(mcnemarExact(4, 1)).toBeCloseTo(0.375, 15);
    expect(mcnemarExact(0, 0)).toBe(1);
    // An even split is as likely as anything: capped at 1, not 2·P.
    expect(mcnemarExact(2, 2)).toBe(1);
  });

  it('agrees with the binomial formula on large splits, both below and beyond a thousand flips', () => {
    for (const [b, c] of [
      [30, 12],
      [120, 80],
      [1500, 1400],
      [2600, 2400],
      [40, 200],
      [900, 1300],
    ] as const) {
      expect(relativeError(mcnemarExact(b, c), exactTwoSided(b, c))).toBeLessThan(1e-9);
    }
  });

  it('refuses counts that are not whole numbers', () => {
    expect(thrown(() => mcnemarExact(1.5, 0))).toBeInstanceOf(UserError);
    expect(thrown(() => mcnemarExact(-1, 2))).toMatchObject({ code: 'usage' });
  });
});

describe('mcnemarExactDrop', () => {
  it('is half the two-sided p-value for a lopsided loss, and large for a gain', () => {
    expect(mcnemarExactDrop(5, 0)).toBeCloseTo(0.03125, 15);
    expect(mcnemarExactDrop(3, 0)).toBeCloseTo(0.125, 15);
    expect(mcnemarExactDrop(0, 3)).toBe(1);
    expect(mcnemarExactDrop(0, 0)).toBe(1);
  });
});

describe('passHatK and passAtK', () => {
  it('follow C(c, k) / C(n, k) and 1 − C(n − c, k) / C(n, k)', () => {
    expect(passHatK(4, 2, 2)).toBeCloseTo(1 / 6, 15);
    expect(passHatK(4, 3, 2)).toBeCloseTo(3 / 6, 15);
    expect(passHatK(5, 5, 3)).toBe(1);
    expect(passHatK(4, 1, 2)).toBe(0);
    expect(passHatK(10, 7, 1)).toBeCloseTo(0.7, 15);
    expect(passAtK(4, 2, 2)).toBeCloseTo(5 / 6, 15);
    expect(passAtK(4, 0, 2)).toBe(0);
    expect(passAtK(4, 3, 2)).toBe(1);
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
  });

  it('stays finite where the binomial coefficients would overflow', () => {
    expect(passHatK(2000, 1000, 500)).toBeGreaterThan(0);
    expect(passHatK(2000, 2000, 1000)).toBe(1);
  });

  it('refuses k beyond the trials and more resolved than trials', () => {
    expect(thrown(() => passHatK(3, 2, 4))).toMatchObject({ code: 'usage' });
    expect(thrown(() => passAtK(3, 4, 1))).toMatchObject({ code: 'usage' });
    expect(thrown(() => passHatK(3, 1, 0))).toMatchObject({ code: 'usage' });
  });
});

describe('percentile', () => {
  it('interpolates linearly between ranks, as numpy does, whatever the order of the values', () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBeCloseTo(9.55, 12);
    expect(percentile([10, 20, 30], 0)).toBe(10);
    expect(percentile([10, 20, 30], 1)).toBe(30);
    expect(percentile([7], 0.9)).toBe(7);
  });

  it('refuses no values and a quantile outside 0 … 1', () => {
    expect(thrown(() => percentile([], 0.5))).toMatchObject({ code: 'usage' });
    expect(thrown(() => percentile([1], 95))).toMatchObject({ code: 'usage' });
  });
});

describe('normalQuantile', () => {
  it('matches the standard normal table', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 8);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621234, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874, 8);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306, 8);
  });
});

describe('instancesNeeded', () => {
  it("follows Connor's formula, rounded up", () => {
    const expected = (discordant: number, drop: number, zAlpha: number) =>
      Math.ceil(
        (zAlpha * Math.sqrt(discordant) + 0.841621234 * Math.sqrt(discordant - drop * drop)) ** 2 /
          (drop * drop),
      );
    expect(instancesNeeded(0.2, 0.1, 0.05)).toBe(expected(0.2, 0.1, 1.959963985));
    expect(instancesNeeded(0.2, 0.1, 0.05)).toBe(155);
    expect(instancesNeeded(0.25, 0.1, 0.1)).toBe(expected(0.25, 0.1, 1.644853627));
    expect(instancesNeeded(0.25, 0.05, 0.05)).toBe(expected(0.25, 0.05, 1.959963985));
  });

  it('needs more instances for a smaller drop, a noisier suite, or more power', () => {
    expect(instancesNeeded(0.2, 0.05, 0.05)!).toBeGreaterThan(instancesNeeded(0.2, 0.1, 0.05)!);
    expect(instancesNeeded(0.4, 0.1, 0.05)!).toBeGreaterThan(instancesNeeded(0.2, 0.1, 0.05)!);
    expect(instancesNeeded(0.2, 0.1, 0.05, 0.9)!).toBeGreaterThan(instancesNeeded(0.2, 0.1, 0.05)!);
  });

  it('is null where the formula does not apply', () => {
    expect(instancesNeeded(0, 0.1, 0.05)).toBeNull();
    expect(instancesNeeded(0.01, 0.1, 0.05)).toBeNull();
    expect(instancesNeeded(0.2, 0, 0.05)).toBeNull();
    expect(instancesNeeded(0.2, -0.1, 0.05)).toBeNull();
    expect(instancesNeeded(0.2, 0.1, 0)).toBeNull();
  });
});

describe('clusteredBootstrap', () => {
  /** `perCluster` instances in each of `clusters` repositories, with differences from `difference`. */
  function observations(
    clusters: number,
    perCluster: number,
    difference: (cluster: number, instance: number) => number,
  ): PairedObservation[] {
    return Array.from({ length: clusters * perCluster }, (_, index) => ({
      cluster: `owner/repo-${Math.floor(index / perCluster)}`,
      difference: difference(Math.floor(index / perCluster), index % perCluster),
    }));
  }
  /** A fixed scatter in −0.5 … 0.5 that looks random (the shader hash of sin). */
  const noisy = (cluster: number, instance: number) => {
    const scaled = Math.sin(cluster * 12.9898 + instance * 78.233) * 43758.5453;
    return scaled - Math.floor(scaled) - 0.5;
  };

  it('gives the same interval for the same seed and another for another seed', () => {
    const data = observations(6, 4, noisy);
    expect(clusteredBootstrap(data, { seed: 7 })).toEqual(clusteredBootstrap(data, { seed: 7 }));
    const reversed = clusteredBootstrap([...data].reverse());
    const forward = clusteredBootstrap(data);
    expect(reversed.low).toBeCloseTo(forward.low, 12);
    expect(reversed.high).toBeCloseTo(forward.high, 12);
    expect(clusteredBootstrap(data, { seed: 7 })).not.toEqual(clusteredBootstrap(data, { seed: 8 }));
  });

  it('estimates the plain mean and brackets it', () => {
    const data = observations(6, 4, noisy);
    const interval = clusteredBootstrap(data);
    const mean = data.reduce((total, observation) => total + observation.difference, 0) / data.length;
    expect(interval.estimate).toBeCloseTo(mean, 12);
    expect(interval.low).toBeLessThan(interval.estimate);
    expect(interval.high).toBeGreaterThan(interval.estimate);
  });

  it('shrinks as clusters grow many, and closes when they all agree', () => {
    const width = (interval: { low: number; high: number }) => interval.high - interval.low;
    const few = clusteredBootstrap(observations(5, 4, noisy));
    const many = clusteredBootstrap(observations(80, 4, noisy));
    // Sixteen times the clusters: about a quarter of the width.
    expect(width(many)).toBeLessThan(width(few) / 3);
    const agreeing = clusteredBootstrap(observations(40, 3, () => -0.25));
    expect(agreeing).toEqual({ estimate: -0.25, low: -0.25, high: -0.25 });
  });

  it('is wider when instances of a repository move together than when each stands alone', () => {
    // Each repository all gains or all loses: ten instances of one repository are one piece of evidence.
    const correlated = observations(
      6,
      10,
      (cluster) => (cluster % 2 === 0 ? 1 : -1) + (cluster === 0 ? 1 : 0),
    );
    const independent = correlated.map((observation, index) => ({ ...observation, cluster: `own-${index}` }));
    const clustered = clusteredBootstrap(correlated);
    const alone = clusteredBootstrap(independent);
    expect(clustered.estimate).toBeCloseTo(alone.estimate, 12);
    expect(clustered.high - clustered.low).toBeGreaterThan(2 * (alone.high - alone.low));
  });

  it('narrows with a lower confidence', () => {
    const data = observations(8, 3, noisy);
    const wide = clusteredBootstrap(data, { confidence: 0.99 });
    const narrow = clusteredBootstrap(data, { confidence: 0.8 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it('refuses no observations and options out of range', () => {
    expect(thrown(() => clusteredBootstrap([]))).toMatchObject({ code: 'usage' });
    const one = [{ cluster: 'a/b', difference: 1 }];
    expect(thrown(() => clusteredBootstrap(one, { confidence: 95 }))).toMatchObject({ code: 'usage' });
    expect(thrown(() => clusteredBootstrap(one, { resamples: 0 }))).toMatchObject({ code: 'usage' });
    expect(thrown(() => clusteredBootstrap([{ cluster: 'a/b', difference: Number.NaN }]))).toMatchObject({
      code: 'usage',
    });
  });
});
