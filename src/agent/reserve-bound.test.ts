import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { costOf, loadPriceTable, priceFor, UNPRICED_KEY } from '../model/index.ts';
import { SerializedSizes } from './internal/serialized-sizes.ts';
import { OUTPUT_TOLERANCE_TOKENS, reserveBound, VENDOR_FRAMING_TOKENS } from './reserve-bound.ts';

const table = loadPriceTable();
const SONNET = 'anthropic:claude-sonnet-4-6';
const HAIKU = 'anthropic:claude-haiku-4-5';
const request = {
  system: 'You are careful.',
  messages: [{ role: 'user' as const, content: 'Répare le test — ça échoue 🙃' }],
  tools: { shell: { description: 'run a command', inputSchema: { type: 'object' } } },
};

describe('reserveBound', () => {
  it('counts input as UTF-8 bytes of the whole request plus the framing allowance, not characters', () => {
    const bound = reserveBound({ priceTable: table, priceKeys: [SONNET], request, maxOutputTokens: 100 });
    const bytes =
      Buffer.byteLength(request.system) +
      Buffer.byteLength(JSON.stringify(request.messages)) +
      Buffer.byteLength(JSON.stringify(request.tools));
    expect(bytes).toBeGreaterThan(
      request.system.length + JSON.stringify(request.messages).length + JSON.stringify(request.tools).length,
    );
    expect(bound.inputTokens).toBe(bytes + VENDOR_FRAMING_TOKENS);
    expect(bound.outputTokens).toBe(100 + OUTPUT_TOLERANCE_TOKENS);
    expect(bound.tokens).toBe(bound.inputTokens + bound.outputTokens);
  });

  it('counts a growing conversation with sizes kept across calls exactly as serialising it whole', () => {
    const sizes = new SerializedSizes();
    const messages: ModelMessage[] = [];
    const empty = { ...request, messages };
    expect(
      reserveBound({ priceTable: table, priceKeys: [SONNET], request: empty, maxOutputTokens: 10, sizes }),
    ).toEqual(reserveBound({ priceTable: table, priceKeys: [SONNET], request: empty, maxOutputTokens: 10 }));
    for (let step = 1; step <= 4; step++) {
      messages.push(
        { role: 'user', content: `étape ${step} — ça échoue 🙃` },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: `call_${step}`, toolName: 'shell', input: { command: 'ls' } },
          ],
        },
      );
      const grown = { ...request, messages: [...messages] };
      const kept = reserveBound({
        priceTable: table,
        priceKeys: [SONNET],
        request: grown,
        maxOutputTokens: 10,
        sizes,
      });
      const whole = reserveBound({
        priceTable: table,
        priceKeys: [SONNET],
        request: grown,
        maxOutputTokens: 10,
      });
      expect(kept).toEqual(whole);
    }
  });

  it('is never below the cost of any split of the bound between plain input, cache reads and writes', () => {
    const bound = reserveBound({ priceTable: table, priceKeys: [SONNET], request, maxOutputTokens: 4096 });
    const all = bound.inputTokens;
    const splits = [
      { input: all, output: bound.outputTokens, cacheRead: 0, cacheWrite: 0 },
      { input: 0, output: bound.outputTokens, cacheRead: 0, cacheWrite: all },
      { input: 0, output: bound.outputTokens, cacheRead: 0, cacheWrite: all, cacheWrite1h: all },
      { input: 0, output: bound.outputTokens, cacheRead: all, cacheWrite: 0 },
    ];
    for (const usage of splits) expect(costOf(table, SONNET, usage).usd).toBeLessThanOrEqual(bound.usd);
    // The 1-hour write is the dearest input-side rate of this model, and the bound uses it.
    const prices = priceFor(table, SONNET);
    expect(bound.usd).toBeCloseTo(
      (all * (prices.cacheWrite1h ?? 0) + bound.outputTokens * prices.output) / 1e6,
      12,
    );
  });

  it('uses long-context rates once the bound crosses the threshold', () => {
    const long = { ...request, messages: [{ role: 'user' as const, content: 'x'.repeat(300_000) }] };
    const bound = reserveBound({
      priceTable: table,
      priceKeys: [SONNET],
      request: long,
      maxOutputTokens: 10,
    });
    const usage = { input: bound.inputTokens, output: bound.outputTokens, cacheRead: 0, cacheWrite: 0 };
    expect(costOf(table, SONNET, usage).usd).toBeLessThanOrEqual(bound.usd);
  });

  it('takes the dearest of several candidates, and 0 for an unpriced script', () => {
    const both = reserveBound({
      priceTable: table,
      priceKeys: [HAIKU, SONNET],
      request,
      maxOutputTokens: 10,
    });
    const sonnet = reserveBound({ priceTable: table, priceKeys: [SONNET], request, maxOutputTokens: 10 });
    expect(both.usd).toBe(sonnet.usd);
    expect(
      reserveBound({ priceTable: table, priceKeys: [UNPRICED_KEY], request, maxOutputTokens: 10 }).usd,
    ).toBe(0);
  });
});
