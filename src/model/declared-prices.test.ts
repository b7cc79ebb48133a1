import { describe, expect, it } from 'vitest';
import { priceKeyOf, withDeclaredPrices, withUnpricedModel } from './declared-prices.ts';
import { costOf, estimateCostUsd, loadPriceTable, priceFor } from './price-table.ts';

const shipped = loadPriceTable();

describe('prices declared in the config', () => {
  it('price a self-hosted model by price key or full spec, and mark the table version', () => {
    const table = withDeclaredPrices(shipped, {
      'openai-compatible:qwen3@http://127.0.0.1:8000/v1': {
        inputPerMTok: 0.2,
        outputPerMTok: 0.6,
      },
    });
    expect(priceKeyOf('openai-compatible:qwen3@http://127.0.0.1:8000/v1')).toBe('openai-compatible:qwen3');
    expect(priceFor(table, 'openai-compatible:qwen3')).toMatchObject({
      input: 0.2,
      output: 0.6,
      cacheRead: 0.2,
    });
    expect(
      costOf(table, 'openai-compatible:qwen3', { input: 1e6, output: 1e6, cacheRead: 0, cacheWrite: 0 }).usd,
    ).toBeCloseTo(0.8, 12);
    expect(table.version).toMatch(new RegExp(`^${shipped.version}\\+config-[0-9a-f]{8}$`));
  });

  it('replace a shipped price, and leave the table alone when only timeouts are set', () => {
    const table = withDeclaredPrices(shipped, { 'openai:gpt-5.1': { inputPerMTok: 9, outputPerMTok: 9 } });
    expect(priceFor(table, 'openai:gpt-5.1').input).toBe(9);
    expect(withDeclaredPrices(shipped, { 'openai:gpt-5.1': {} })).toBe(shipped);
  });

  it('refuse two different prices for one key', () => {
    expect(() =>
      withDeclaredPrices(shipped, {
        'openai-compatible:m@http://a/v1': { inputPerMTok: 1, outputPerMTok: 1 },
        'openai-compatible:m@http://b/v1': { inputPerMTok: 2, outputPerMTok: 2 },
      }),
    ).toThrow(/two entries give openai-compatible:m different prices/);
  });

  it('an unpriced model costs 0, is marked so, and never replaces a real price', () => {
    const table = withUnpricedModel(shipped, 'openai-compatible:m');
    expect(priceFor(table, 'openai-compatible:m').unpriced).toBe(true);
    expect(estimateCostUsd(table, 'openai-compatible:m', 1e6, 1e6)).toBe(0);
    expect(withUnpricedModel(shipped, 'openai:gpt-5.1')).toBe(shipped);
  });
});
