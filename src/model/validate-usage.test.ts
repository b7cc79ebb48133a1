import { describe, expect, it } from 'vitest';
import { validateUsage } from './validate-usage.ts';

const limits = { inputTokens: 10_000, outputTokens: 4112, usd: 0.12, contextWindow: 200_000 };
const honest = { input: 2000, output: 500, cacheRead: 6000, cacheWrite: 1000 };

describe('validateUsage', () => {
  it('accepts honest usage priced within the reservation', () => {
    expect(validateUsage(honest, 0.05, limits)).toEqual({ kind: 'ok' });
    expect(validateUsage({ ...honest, output: 4112 }, 0.12, limits)).toEqual({ kind: 'ok' });
  });

  it('says when a reply reported no usage', () => {
    const verdict = validateUsage(
      { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, missing: true },
      0,
      limits,
    );
    expect(verdict.kind).toBe('missing');
  });

  it.each([
    ['a negative count', { ...honest, output: -50 }, 0.01, /output tokens -50/],
    ['a fractional count', { ...honest, input: 1.5 }, 0.01, /input tokens 1.5/],
    ['an unsafe integer', { ...honest, input: 1e17 }, 0.01, /input tokens/],
    ['output above the maximum', { ...honest, output: 5000 }, 0.01, /5000 output tokens exceed the 4112/],
    [
      'input above the bound',
      { ...honest, input: 9000 },
      0.01,
      /16000 input tokens exceed the request's bound/,
    ],
    ['1-hour writes above all writes', { ...honest, cacheWrite1h: 2000 }, 0.01, /1-hour cache writes/],
    ['a cost above the reservation', honest, 0.2, /exceeds the \$0.120000 reserved/],
    ['a negative cost', honest, -4.5, /not a non-negative amount/],
    ['a cost that is not a number', honest, Number.NaN, /not a non-negative amount/],
  ])('calls %s an anomaly', (_name, usage, cost, reason) => {
    const verdict = validateUsage(usage, cost, limits);
    expect(verdict.kind).toBe('anomaly');
    expect(verdict.kind === 'anomaly' && verdict.reason).toMatch(reason);
  });

  it('refuses input above the context window even when the request bound is larger', () => {
    const verdict = validateUsage(honest, 0.05, { ...limits, inputTokens: 1e6, contextWindow: 5000 });
    expect(verdict.kind === 'anomaly' && verdict.reason).toMatch(/context window of 5000/);
  });
});
