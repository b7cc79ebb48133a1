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
    const fiveMinute = costOf(table, 'anthropic:claude-haiku-4-5', { ...none, cacheWrite: 1_000_000 }).usd;
    const oneHour = costOf(table, 'anthropic:claude-haiku-4-5', {
      ...none,
      cacheWrite: 1_000_000,
      cacheWrite1h: 1_000_000,
    }).usd;
    const mixed = costOf(table, 'anthropic:claude-haiku-4-5', {
      ...none,
      cacheWrite: 1_000_000,
      cacheWrite1h: 250_000,
    }).usd;
    expect(fiveMinute).toBeCloseTo(1.25, 12);
    expect(oneHour).toBeCloseTo(2, 12);
    expect(mixed).toBeCloseTo(0.75 * 1.25 + 0.25 * 2, 12);
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
  it('assumes every input token at the dearest input-side price a call could be billed at', () => {
    // A 5-minute cache write (6.25) is dearer than plain input (5) on Anthropic.
    expect(estimateCostUsd(table, 'anthropic:claude-opus-4-7', 100_000, 8000)).toBeCloseTo(0.625 + 0.2, 12);
    expect(
      estimateCostUsd(table, 'anthropic:claude-opus-4-7', 100_000, 8000, { cacheTtl: '1h' }),
    ).toBeCloseTo(1 + 0.2, 12);
    // OpenAI writes its cache at the input price.
    expect(estimateCostUsd(table, 'openai:gpt-5.1', 100_000, 8000)).toBeCloseTo(0.125 + 0.08, 12);
    expect(estimateCostUsd(table, UNPRICED_KEY, 100_000, 8000)).toBe(0);
  });

  it('never reserves less than the call can cost, long prompts included', () => {
    for (const key of Object.keys(table.models)) {
      for (const input of [1000, 250_000]) {
        const worst = estimateCostUsd(table, key, input, 4000);
        const cached = costOf(table, key, { ...none, cacheWrite: input, output: 4000 }).usd;
        const plain = costOf(table, key, { ...none, input, output: 4000 }).usd;
        expect(worst, key).toBeGreaterThanOrEqual(Math.max(cached, plain) - 1e-12);
      }
    }
  });
});

describe('loadPriceTable', () => {
  it('names the bad field of a custom table', () => {
    const bad = {
      'gpt-5.1': {
        litellm_provider: 'openai',
        input_cost_per_token: 1e-6,
        output_cost_per_token: -1,
        warden_tier: 'huge',
      },
    };
    expect(() => loadPriceTable(bad)).toThrow(expect.objectContaining({ code: 'config-invalid' }));
    expect(() => loadPriceTable(bad)).toThrow(/gpt-5\.1\.output_cost_per_token: .*\n.*gpt-5\.1\.warden_tier/);
  });

  it('rejects a key that is not provider:model', () => {
    expect(() =>
      loadPriceTable({
        'gpt 5': { litellm_provider: 'openai', input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 },
      }),
    ).toThrow(/provider:model/);
  });

  it('reads a LiteLLM file as it is: skips sample_spec and non-chat models, drops the provider prefix', () => {
    const litellm = {
      sample_spec: {
        litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
        mode: 'one of chat…',
      },
      'claude-haiku-4-5': {
        litellm_provider: 'anthropic',
        mode: 'chat',
        max_input_tokens: 200000,
        input_cost_per_token: 1e-6,
        output_cost_per_token: 5e-6,
        cache_creation_input_token_cost: 1.25e-6,
        cache_read_input_token_cost: 1e-7,
        supports_vision: true,
      },
      'openai/gpt-5.4-nano': {
        litellm_provider: 'openai',
        mode: 'chat',
        input_cost_per_token: 2e-7,
        output_cost_per_token: 1.25e-6,
      },
      'text-embedding-3-small': { litellm_provider: 'openai', mode: 'embedding', input_cost_per_token: 2e-8 },
    };
    const loaded = loadPriceTable(litellm);
    expect(Object.keys(loaded.models).sort()).toEqual(['anthropic:claude-haiku-4-5', 'openai:gpt-5.4-nano']);
    expect(loaded.version).toMatch(/^sha256-[0-9a-f]{12}$/);
    expect(loadPriceTable(litellm).version).toBe(loaded.version);
    expect(priceFor(loaded, 'anthropic:claude-haiku-4-5')).toMatchObject({
      input: 1,
      output: 5,
      cacheWrite: 1.25,
      cacheWrite1h: undefined,
      cacheRead: 0.1,
      tier: undefined,
      contextWindow: 200000,
    });
    // OpenAI's entries have no cache write price: writes cost the input price, reads fall back to input.
    expect(priceFor(loaded, 'openai:gpt-5.4-nano')).toMatchObject({ cacheWrite: 0.2, cacheRead: 0.2 });
  });

  it('refuses to price 1-hour cache writes at the 5-minute rate when the table lacks a 1-hour price', () => {
    const loaded = loadPriceTable({
      'claude-haiku-4-5': {
        litellm_provider: 'anthropic',
        input_cost_per_token: 1e-6,
        output_cost_per_token: 5e-6,
        cache_creation_input_token_cost: 1.25e-6,
      },
    });
    expect(costOf(loaded, 'anthropic:claude-haiku-4-5', { ...none, cacheWrite: 1000 }).usd).toBeCloseTo(
      0.00125,
      12,
    );
    expect(() =>
      costOf(loaded, 'anthropic:claude-haiku-4-5', { ...none, cacheWrite: 1000, cacheWrite1h: 10 }),
    ).toThrow(expect.objectContaining({ code: 'price-unknown', message: expect.stringContaining('1-hour') }));
  });

  it('prices a prompt above 200k tokens at the long-context rates', () => {
    const short = costOf(table, 'anthropic:claude-sonnet-4-6', { ...none, input: 200_000, output: 1000 }).usd;
    const long = costOf(table, 'anthropic:claude-sonnet-4-6', {
      ...none,
      input: 150_000,
      cacheRead: 50_001,
      output: 1000,
    }).usd;
    expect(short).toBeCloseTo((200_000 * 3 + 1000 * 15) / 1e6, 12);
    expect(long).toBeCloseTo((150_000 * 6 + 50_001 * 0.6 + 1000 * 22.5) / 1e6, 12);
  });

  it('refuses a batch price for a model without one', () => {
    const loaded = loadPriceTable({
      'm-1': { litellm_provider: 'openai', input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 },
    });
    expect(() => costOf(loaded, 'openai:m-1', { ...none, input: 1 }, { batch: true })).toThrow(
      expect.objectContaining({ code: 'price-unknown' }),
    );
  });
});
