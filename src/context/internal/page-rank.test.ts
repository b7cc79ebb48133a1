import { describe, expect, it } from 'vitest';
import { pageRank } from './page-rank.ts';

const sum = (values: Float64Array) => values.reduce((total, value) => total + value, 0);

describe('pageRank', () => {
  it('ranks the node everything points at first, and sums to 1', () => {
    const ranks = pageRank(
      4,
      [
        { from: 0, to: 3, weight: 1 },
        { from: 1, to: 3, weight: 1 },
        { from: 2, to: 3, weight: 1 },
        { from: 3, to: 0, weight: 1 },
      ],
      [0, 0, 0, 0],
    );
    expect(sum(ranks)).toBeCloseTo(1, 9);
    expect(Math.max(...ranks)).toBe(ranks[3]);
    expect(ranks[0]).toBeGreaterThan(ranks[1] as number);
  });

  it('restarts where the personalisation says, and spreads a dangling node there', () => {
    const ranks = pageRank(3, [{ from: 0, to: 1, weight: 1 }], [0, 0, 1]);
    expect(sum(ranks)).toBeCloseTo(1, 9);
    expect(ranks[0]).toBe(0);
    expect(ranks[2]).toBeGreaterThan(ranks[1] as number);
  });

  it('divides a node’s rank by its out-weights, whatever their scale', () => {
    const small = pageRank(
      3,
      [
        { from: 0, to: 1, weight: 1 },
        { from: 0, to: 2, weight: 3 },
      ],
      [1, 0, 0],
    );
    const large = pageRank(
      3,
      [
        { from: 0, to: 1, weight: 1000 },
        { from: 0, to: 2, weight: 3000 },
      ],
      [1, 0, 0],
    );
    expect([...large].map((value) => value.toFixed(9))).toEqual([...small].map((value) => value.toFixed(9)));
    expect(pageRank(0, [], [])).toHaveLength(0);
  });
});
