import { describe, expect, it } from 'vitest';
import { UserError } from '../spec/index.ts';
import { costOf, estimateCostUsd, loadPriceTable, priceFor, UNPRICED_KEY } from './price-table.ts';

const table = loadPriceTable();
const none = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

describe('the shipped price table', () => {
  it('is versioned and has the prices Warden quotes', () => {
    expect(table.version).toBe('2026-11-01');
    expect(priceFor(table, 'anthropic:claude-opus-4-7')).toMatchObject({
      input: 5,
      output: 25,
      cacheWrite: 6.25,
      cacheWrite1h: 10,
      cacheRead: 0.5,
      tier: 'top',
    });
    expect(priceFor(table, 'anthropic:claude-sonnet-4-6')).toMatchObject({
      input: 3,
      output: 15,
      tier: 'mid',
    });
    expect(priceFor(table, 'anthropic:claude-haiku-4-5')).toMatchObject({
      input: 1,
      output: 5,
      tier: 'small',
    });
    expect(priceFor(table, 'openai:gpt-5.4-pro')).toMatchObject({ input: 30, output: 180, tier: 'top' });
    expect(priceFor(table, 'openai:gpt-5.1')).toMatchObject({ input: 1.25, output: 10, cacheRead: 0.125 });
    expect(priceFor(table, 'openai:gpt-5.4-mini')).toMatchObject({ input: 0.75, output: 4.5, tier: 'small' });
    expect(priceFor(table, 'openai:gpt-5.4-nano')).toMatchObject({ input: 0.2, output: 1.25, tier: 'nano' });
  });

  it('charges OpenAI nothing extra for cache writes and 10% of input for cache reads', () => {
    for (const [key, price] of Object.entries(table.models).filter(([key]) => key.startsWith('openai:'))) {
      expect(price.cacheWrite, key).toBe(price.input);
      expect(price.cacheRead, key).toBeCloseTo(price.input / 10, 10);
    }
  });
});

describe('priceFor', () => {
  it('throws price-unknown for a model the table does not know, never 0', () => {
    expect(() => priceFor(table, 'anthropic:claude-opus-9')).toThrow(UserError);
    expect(() => priceFor(table, 'anthropic:claude-opus-9')).toThrow(
      /no price for model anthropic:claude-opus-9/,
    );
    expect(() => costOf(table, 'openai:gpt-7', { ...none, input: 1 })).toThrow(
      expect.objectContaining({ code: 'price-unknown' }),
    );
    expect(() => estimateCostUsd(table, 'openai:gpt-7', 1, 1)).toThrow(
      expect.objectContaining({ code: 'price-unknown' }),
    );
  });

  it('does not mistake inherited object properties for models', () => {
    expect(() => priceFor(table, 'constructor')).toThrow(expect.objectContaining({ code: 'price-unknown' }));
  });
});

describe('costOf', () => {
  it('prices input and output per million tokens and records the table version and key', () => {
    expect(
      costOf(table, 'anthropic:claude-opus-4-7', { ...none, input: 1_000_000, output: 1_000_000 }),
    ).toEqual({
      usd: 30,
      priceTableVersion: '2026-11-01',
      priceKey: 'anthropic:claude-opus-4-7',
    });
    expect(costOf(table, 'openai:gpt-5.4-nano', { ...none, input: 2000, output: 400 }).usd).toBeCloseTo(
      (2000 * 0.2 + 400 * 1.25) / 1e6,
      12,
    );
  });

  it('prices cache reads and writes separately from input, counting each token once', () => {
    const usage = { input: 1000, output: 0, cacheRead: 50_000, cacheWrite: 10_000 };
    const cost = costOf(table, 'anthropic:claude-opus-4-7', usage).usd;
    expect(cost).toBeCloseTo((1000 * 5 + 50_000 * 0.5 + 10_000 * 6.25) / 1e6, 12);
    // Counting the cache read again as input would cost 0.25 more; it must not.
    expect(cost).toBeLessThan((51_000 * 5) / 1e6);
  });

  it('prices 1-hour cache writes at their own, higher price', () => {
    const fiveMinute = costOf(table, 'anthropic:claude-sonnet-4-6', { ...none, cacheWrite: 1_000_000 }).usd;
    const oneHour = costOf(table, 'anthropic:claude-sonnet-4-6', {
      ...none,
      cacheWrite: 1_000_000,
      cacheWrite1h: 1_000_000,
    }).usd;
    const mixed = costOf(table, 'anthropic:claude-sonnet-4-6', {
      ...none,
      cacheWrite: 1_000_000,
      cacheWrite1h: 250_000,
    }).usd;
    expect(fiveMinute).toBeCloseTo(3.75, 12);
    expect(oneHour).toBeCloseTo(6, 12);
    expect(mixed).toBeCloseTo(0.75 * 3.75 + 0.25 * 6, 12);
  });

  it('applies the batch discount when asked', () => {
    const usage = { ...none, input: 1_000_000, output: 1_000_000 };
    expect(costOf(table, 'openai:gpt-5.1', usage, { batch: true }).usd).toBeCloseTo(5.625, 12);
  });

  it('prices the unpriced scripted key at 0, with the table version', () => {
    expect(costOf(table, UNPRICED_KEY, { ...none, input: 5000, output: 5000 })).toEqual({
      usd: 0,
      priceTableVersion: '2026-11-01',
      priceKey: 'scripted:unpriced',
    });
  });
});

describe('estimateCostUsd', () => {
  it('assumes every input token at the full input price', () => {
    expect(estimateCostUsd(table, 'anthropic:claude-opus-4-7', 100_000, 8000)).toBeCloseTo(0.5 + 0.2, 12);
    expect(estimateCostUsd(table, UNPRICED_KEY, 100_000, 8000)).toBe(0);
  });
});

describe('loadPriceTable', () => {
  it('names the bad field of a custom table', () => {
    const bad = {
      version: 'custom',
      models: { 'openai:gpt-5.1': { ...table.models['openai:gpt-5.1'], output: -1, tier: 'huge' } },
    };
    expect(() => loadPriceTable(bad)).toThrow(expect.objectContaining({ code: 'config-invalid' }));
    expect(() => loadPriceTable(bad)).toThrow(
      /models\.openai:gpt-5\.1\.output: .*\n.*models\.openai:gpt-5\.1\.tier/,
    );
  });

  it('rejects a key that is not provider:model', () => {
    expect(() =>
      loadPriceTable({ version: 'x', models: { 'gpt-5.1': table.models['openai:gpt-5.1'] } }),
    ).toThrow(/provider:model/);
  });
});
