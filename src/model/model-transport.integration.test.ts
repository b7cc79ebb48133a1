import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorServer } from '../../test/support/vendor-server.ts';
import {
  anthropicStreamFixture,
  jsonFixture,
  openaiError,
  openaiStreamFixture,
  startVendorServer,
} from '../../test/support/vendor-server.ts';
import type { ModelRequest, RouteDecision } from '../spec/index.ts';
import { withDeclaredPrices } from './declared-prices.ts';
import { ModelCallError } from './model-call-error.ts';
import { createModelClient, type ModelTimeouts } from './model-client.ts';
import { createRoutedModelClient } from './model-router.ts';
import { loadPriceTable } from './price-table.ts';
import { withRetries } from './retrying-model-client.ts';

// Transport failures a self-hosted or vendor endpoint really produces: rate limits, hangs, cut streams.

const priceTable = withDeclaredPrices(loadPriceTable(), {
  'openai-compatible:m': { inputPerMTok: 0, outputPerMTok: 0 },
});
let server: VendorServer;

beforeAll(async () => {
  server = await startVendorServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.respond(undefined);
  expect(server.pending).toBe(0);
});

// Generous for calls that answer (this machine may be busy); the hang tests set their own small limits.
const timeouts: ModelTimeouts = {
  firstByteMs: 10_000,
  totalMs: 20_000,
  firstByteField: 'models."openai-compatible:m".timeouts.firstByteMs',
  totalField: 'provider.timeouts.totalMs',
};

async function compatible(options: { streaming?: boolean; timeouts?: ModelTimeouts } = {}) {
  return await createModelClient({
    spec: `openai-compatible:m@${server.url}/v1`,
    env: {},
    priceTable,
    streaming: options.streaming ?? true,
    timeouts: options.timeouts ?? timeouts,
  });
}

function retrying(client: Awaited<ReturnType<typeof compatible>>, waits: number[] = []) {
  return withRetries(client, {
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 30_000,
    capField: 'provider.retry.backoffMaxMs',
    sleep: async (milliseconds) => {
      waits.push(milliseconds);
    },
    random: () => 0.5,
  });
}

function request(decisions: RouteDecision[]): ModelRequest {
  return {
    system: 'You are careful.',
    messages: [{ role: 'user', content: 'Fix the build.' }],
    tools: {
      shell: {
        description: 'Run a command',
        inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
      },
    },
    maxOutputTokens: 256,
    onRouteDecision: async (decision) => {
      decisions.push(decision);
    },
  };
}

const stream = () => openaiStreamFixture('openai-chat/openai-text.chunks.txt');

describe('retries without the router', () => {
  it('a 429 with retry-after is waited out and retried, and the retry is told', async () => {
    server.reply(openaiError(429, 'rate_limit_exceeded', 'slow down', { 'retry-after': '1' }), stream());
    const waits: number[] = [];
    const decisions: RouteDecision[] = [];
    const turn = await retrying(await compatible(), waits).generate(request(decisions));

    expect(turn.text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(waits).toEqual([1000]);
    expect(decisions).toEqual([
      {
        kind: 'retry',
        model: `openai-compatible:m@${server.url}/v1`,
        tier: null,
        attempt: 2,
        reason: `HTTP 429 from openai-compatible:m@${server.url}/v1, retry-after 1000 ms`,
        waitMs: 1000,
      },
    ]);
  });

  it('a retry-after above the cap is given up on at once, and the reason is told', async () => {
    server.reply(openaiError(429, 'rate_limit_exceeded', 'slow down', { 'retry-after': '600' }));
    const decisions: RouteDecision[] = [];
    const error = await retrying(await compatible())
      .generate(request(decisions))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ModelCallError);
    expect(server.requests).toHaveLength(1);
    expect(decisions).toEqual([
      expect.objectContaining({
        kind: 'give-up',
        reason: expect.stringContaining(
          'asks to wait 600 s, longer than the 30 s cap (provider.retry.backoffMaxMs)',
        ),
      }),
    ]);
    expect((error as Error).message).toContain('gave up');
  });

  it('a stream cut halfway is a retryable failure, retried', async () => {
    server.reply({ ...stream(), cutAfterEvents: 5 } as ReturnType<typeof stream>, stream());
    const decisions: RouteDecision[] = [];
    const turn = await retrying(await compatible()).generate(request(decisions));

    expect(turn.text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(server.requests).toHaveLength(2);
    expect(decisions.map((decision) => decision.kind)).toEqual(['retry']);
    expect(decisions[0]!.reason).toMatch(/connection was cut|stream ended/);
  });
});

describe('a stream that closes cleanly before the vendor said the reply ended', () => {
  // A proxy or a dropped upstream can end the HTTP body without a reset: no error on the socket, only
  // half a reply with no stop reason and no final usage. It must be retried, not taken as a short answer.
  const vendors = [
    {
      spec: 'anthropic:claude-haiku-4-5',
      env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: '' },
      stream: () => anthropicStreamFixture('anthropic/anthropic-text.chunks.txt'),
    },
    {
      spec: 'openai:gpt-5.4-mini',
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: '' },
      stream: () => openaiStreamFixture('openai-chat/openai-text.chunks.txt'),
    },
  ];
  it.each(vendors)('$spec: is a retryable failure, retried', async (vendor) => {
    const whole = vendor.stream();
    if (whole.kind !== 'sse') expect.fail('expected a stream fixture');
    server.reply({ ...whole, events: whole.events.slice(0, 4) }, vendor.stream());
    const env = Object.fromEntries(
      Object.entries(vendor.env).map(([name, value]) => [
        name,
        value || (name.startsWith('ANTHROPIC') ? server.url : `${server.url}/v1`),
      ]),
    );
    const client = await createModelClient({ spec: vendor.spec, env, priceTable, streaming: true, timeouts });
    const decisions: RouteDecision[] = [];
    const turn = await retrying(client).generate(request(decisions));

    expect(turn.text.length).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(2);
    expect(decisions).toEqual([
      expect.objectContaining({ kind: 'retry', reason: expect.stringContaining('the stream ended') }),
    ]);
  });
});

describe('timeouts', () => {
  it('a server that never answers is cut at the first-byte limit, retried, then given up on', async () => {
    server.respond(() => ({ kind: 'json', body: {}, hang: true }));
    const decisions: RouteDecision[] = [];
    const started = performance.now();
    const error = await retrying(await compatible({ timeouts: { ...timeouts, firstByteMs: 150 } }))
      .generate(request(decisions))
      .catch((caught: unknown) => caught);

    expect(performance.now() - started).toBeLessThan(8_000);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toContain(
      'no first byte of the reply within 150 ms (models."openai-compatible:m".timeouts.firstByteMs) (3 attempts, giving up)',
    );
    expect(decisions.map((decision) => decision.kind)).toEqual(['retry', 'retry', 'give-up']);
  });

  it('a call that is not streamed is cut at the total limit', async () => {
    server.respond(() => ({ kind: 'json', body: {}, hang: true }));
    const client = await compatible({ streaming: false, timeouts: { ...timeouts, totalMs: 200 } });
    const error = await client.generate(request([])).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: true });
    expect((error as Error).message).toContain('did not finish within 200 ms (provider.timeouts.totalMs)');
  });

  it('the caller aborting is not a timeout and is not retried', async () => {
    server.respond(() => ({ kind: 'json', body: {}, hang: true }));
    const decisions: RouteDecision[] = [];
    const error = await retrying(await compatible())
      .generate({ ...request(decisions), abortSignal: AbortSignal.timeout(100) })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: false });
    expect(decisions).toEqual([]);
  });
});

describe('the router', () => {
  it('retries a 429 on the same model and succeeds, telling each decision', async () => {
    server.reply(openaiError(429, 'rate_limit_exceeded', 'slow down', { 'retry-after-ms': '5' }), stream());
    const routed = createRoutedModelClient({
      tier: 'small',
      candidates: [await compatible()],
      maxAttempts: 2,
      backoffBaseMs: 10,
      backoffMaxMs: 30_000,
      priceTable,
      sleep: async () => {},
    });
    const decisions: RouteDecision[] = [];
    const turn = await routed.generate(request(decisions));
    expect(turn.text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(decisions.map(({ kind, attempt, waitMs }) => [kind, attempt, waitMs])).toEqual([
      ['pick', 1, 0],
      ['retry', 2, 5],
    ]);
  });

  it('journals why it gave up on its last model', async () => {
    server.reply(openaiError(429, 'rate_limit_exceeded', 'slow down', { 'retry-after': '600' }));
    const routed = createRoutedModelClient({
      tier: 'small',
      candidates: [await compatible()],
      maxAttempts: 2,
      backoffBaseMs: 10,
      backoffMaxMs: 30_000,
      priceTable,
      sleep: async () => {},
    });
    const decisions: RouteDecision[] = [];
    await expect(routed.generate(request(decisions))).rejects.toBeInstanceOf(ModelCallError);
    expect(decisions.map((decision) => decision.kind)).toEqual(['pick', 'give-up']);
    expect(decisions[1]!.reason).toContain('longer than the 30 s cap (router.backoffMaxMs)');
  });
});

describe('replies', () => {
  it('tool arguments that are not JSON are kept as the raw text, with the reason', async () => {
    const body = jsonFixture('openai-chat/openai-text.json');
    if (body.kind !== 'json') expect.fail('expected a JSON fixture');
    const reply = structuredClone(body.body) as {
      choices: { message: Record<string, unknown>; finish_reason: string }[];
    };
    reply.choices[0]!.message = {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"command": "ls -la' } },
      ],
    };
    reply.choices[0]!.finish_reason = 'tool_calls';
    server.reply({ kind: 'json', body: reply });
    const turn = await (await compatible({ streaming: false })).generate(request([]));

    expect(turn.toolCalls).toEqual([
      {
        id: 'call_1',
        name: 'shell',
        input: '{"command": "ls -la',
        inputError: expect.stringContaining('not valid JSON'),
      },
    ]);
  });

  it('a model with no price is refused, and the hint shows the config that prices it', async () => {
    const creating = createModelClient({
      spec: `openai-compatible:qwen3@${server.url}/v1`,
      env: {},
      priceTable,
    });
    await expect(creating).rejects.toMatchObject({
      code: 'price-unknown',
      hint: expect.stringContaining('models:\n  "openai-compatible:qwen3":\n    inputPerMTok: 0'),
    });
    await expect(creating).rejects.toMatchObject({ hint: expect.stringContaining('allowUnpriced: true') });
  });
});
