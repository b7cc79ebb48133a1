import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorServer } from '../../test/support/vendor-server.ts';
import {
  anthropicError,
  jsonFixture,
  openaiError,
  startVendorServer,
} from '../../test/support/vendor-server.ts';
import { BreakerOpenError } from '../spec/errors.ts';
import type { ModelRequest, RouteDecision } from '../spec/index.ts';
import { ModelCallError } from './model-call-error.ts';
import { createModelClient } from './model-client.ts';
import {
  createRoutedModelClient,
  pickTier,
  type RoutePlan,
  tierModelSpecs,
  tiersFrom,
} from './model-router.ts';
import { loadPriceTable } from './price-table.ts';

const priceTable = loadPriceTable();
let server: VendorServer;

beforeAll(async () => {
  server = await startVendorServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.respond(undefined);
});

/** A mid tier of two models on two vendors, both served by the local server. */
async function midTier(options: { health?: Set<string>; failures?: string[] } = {}) {
  const env = {
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: server.url,
    OPENAI_API_KEY: 'sk-openai-test',
    OPENAI_BASE_URL: `${server.url}/v1`,
  };
  const anthropic = await createModelClient({ spec: 'anthropic:claude-sonnet-4-6', env, priceTable });
  const openai = await createModelClient({ spec: 'openai:gpt-5.1', env, priceTable });
  const waits: number[] = [];
  const recorded: string[] = [];
  const open = options.health;
  const client = createRoutedModelClient({
    tier: 'mid',
    candidates: [anthropic, openai],
    maxAttempts: 2,
    backoffBaseMs: 500,
    backoffMaxMs: 30_000,
    priceTable,
    health: open && {
      openBreaker: async (key) =>
        open.has(key)
          ? {
              scope: `model:${key}`,
              kind: 'provider',
              description: `the provider breaker of model:${key} is open`,
            }
          : undefined,
      record: async (key, failed) => {
        recorded.push(`${key} ${failed ? 'failed' : 'ok'}`);
      },
    },
    sleep: async (milliseconds) => {
      waits.push(milliseconds);
    },
    random: () => 0.5,
  });
  return { client, waits, recorded };
}

function request(decisions: RouteDecision[]): ModelRequest {
  return {
    system: 'You are careful.',
    messages: [{ role: 'user', content: 'Fix the build.' }],
    tools: {},
    maxOutputTokens: 256,
    onRouteDecision: async (decision) => {
      decisions.push(decision);
    },
  };
}

describe('routed model client against local vendor servers', () => {
  it('falls back on a 429 to the next model, waiting retry-after first, and says why each time', async () => {
    server.respond((incoming) =>
      incoming.path.startsWith('/v1/messages')
        ? anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
            'retry-after': '2',
          })
        : jsonFixture('openai-chat/openai-text.json'),
    );
    const { client, waits } = await midTier();
    const decisions: RouteDecision[] = [];
    const turn = await client.generate(request(decisions));

    expect(turn.cost.priceKey).toBe('openai:gpt-5.1');
    expect(waits).toEqual([2000]);
    expect(decisions.map(({ kind, model, attempt, waitMs }) => [kind, model, attempt, waitMs])).toEqual([
      ['pick', 'anthropic:claude-sonnet-4-6', 1, 0],
      ['retry', 'anthropic:claude-sonnet-4-6', 2, 2000],
      ['give-up', 'anthropic:claude-sonnet-4-6', 2, 0],
      ['fallback', 'openai:gpt-5.1', 1, 0],
    ]);
    expect(decisions[1]!.reason).toBe('HTTP 429 from anthropic:claude-sonnet-4-6, retry-after 2000 ms');
    expect(decisions[2]!.reason).toBe('HTTP 429 from anthropic:claude-sonnet-4-6 2 times');
    expect(decisions[3]!.reason).toBe('HTTP 429 from anthropic:claude-sonnet-4-6 2 times');
    expect(server.requests.map((incoming) => incoming.path)).toEqual([
      '/v1/messages',
      '/v1/messages',
      '/v1/chat/completions',
    ]);
  });

  it('does not wait out a retry-after longer than backoffMaxMs: it falls back at once', async () => {
    server.respond((incoming) =>
      incoming.path.startsWith('/v1/messages')
        ? anthropicError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '600' })
        : jsonFixture('openai-chat/openai-text.json'),
    );
    const { client, waits } = await midTier();
    const decisions: RouteDecision[] = [];
    await client.generate(request(decisions));
    expect(waits).toEqual([]);
    expect(decisions.at(-1)).toMatchObject({
      kind: 'fallback',
      reason:
        'HTTP 529 from anthropic:claude-sonnet-4-6 asks to wait 600 s, longer than the 30 s cap (router.backoffMaxMs)',
    });
    expect(decisions.at(-2)).toMatchObject({ kind: 'give-up', model: 'anthropic:claude-sonnet-4-6' });
  });

  it('skips a model whose provider breaker is open, and records each model it called', async () => {
    server.respond(() => jsonFixture('openai-chat/openai-text.json'));
    const { client, recorded } = await midTier({ health: new Set(['anthropic:claude-sonnet-4-6']) });
    const decisions: RouteDecision[] = [];
    await client.generate(request(decisions));
    expect(decisions.map((decision) => decision.kind)).toEqual(['skip', 'fallback']);
    expect(recorded).toEqual(['openai:gpt-5.1 ok']);
    expect(server.requests.every((incoming) => incoming.path === '/v1/chat/completions')).toBe(true);
  });

  it('stops at once on a failure that is not retryable, and fails clearly when every model fails', async () => {
    server.respond(() => anthropicError(400, 'invalid_request_error', 'prompt is too long'));
    const { client, recorded } = await midTier({ health: new Set() });
    await expect(client.generate(request([]))).rejects.toMatchObject({ status: 400 });
    expect(server.requests).toHaveLength(1);

    server.requests.length = 0;
    server.respond((incoming) =>
      incoming.path.startsWith('/v1/messages')
        ? anthropicError(500, 'api_error', 'Internal error')
        : openaiError(503, 'server_error', 'The server is overloaded'),
    );
    const error = await client.generate(request([])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toMatch(/^every model of the mid tier failed; last: .*503/);
    expect(server.requests).toHaveLength(4);
    // The breakers count calls, not attempts: two attempts on each model are one failure of each.
    expect(recorded).toEqual(['anthropic:claude-sonnet-4-6 failed', 'openai:gpt-5.1 failed']);
  });

  it('refuses with breaker-open, sending nothing, when every model of the tier has an open breaker', async () => {
    const { client } = await midTier({ health: new Set(['anthropic:claude-sonnet-4-6', 'openai:gpt-5.1']) });
    const error = await client.generate(request([])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toMatchObject({
      code: 'breaker-open',
      breakers: [
        { scope: 'model:anthropic:claude-sonnet-4-6', kind: 'provider' },
        { scope: 'model:openai:gpt-5.1', kind: 'provider' },
      ],
    });
    expect((error as Error).message).toBe(
      'every model of the mid tier is unavailable: the provider breaker of model:anthropic:claude-sonnet-4-6 is open; and the provider breaker of model:openai:gpt-5.1 is open',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('reserves for the priciest candidate, so a fallback never exceeds the budget', async () => {
    const { client } = await midTier();
    expect(client.priceKey).toBe('anthropic:claude-sonnet-4-6');
  });
});

describe('route plans', () => {
  const plan: RoutePlan = {
    tiers: { mid: ['openai:gpt-5.1'] },
    routes: { 'agent:fixer': 'small', 'stage:plan': 'top', 'kind:triage': 'nano' },
    defaultTier: 'mid',
  };
  it('picks the most specific route: kind, then stage, then agent, else the default', () => {
    expect(pickTier(plan, { agent: 'fixer', stage: 'plan', kind: 'triage' })).toEqual({
      tier: 'nano',
      route: 'kind:triage',
    });
    expect(pickTier(plan, { agent: 'fixer', stage: 'plan' })).toEqual({ tier: 'top', route: 'stage:plan' });
    expect(pickTier(plan, { agent: 'fixer' })).toEqual({ tier: 'small', route: 'agent:fixer' });
    expect(pickTier(plan, { agent: 'other' })).toEqual({ tier: 'mid', route: 'defaultTier' });
  });
  it('takes configured tiers as given and the rest from the price table, cheapest first', () => {
    expect(tierModelSpecs(plan, priceTable, 'mid')).toEqual(['openai:gpt-5.1']);
    const nano = tierModelSpecs(plan, priceTable, 'nano');
    expect(nano.length).toBeGreaterThan(0);
    for (const key of nano) expect(priceTable.models[key]?.tier).toBe('nano');
    expect(tiersFrom('small')).toEqual(['small', 'mid', 'top']);
  });
});
