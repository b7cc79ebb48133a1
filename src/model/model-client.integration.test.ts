import type { ModelMessage } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorServer } from '../../test/support/vendor-server.ts';
import {
  anthropicError,
  anthropicStreamFixture,
  jsonFixture,
  openaiError,
  openaiStreamFixture,
  readFixture,
  sseFixture,
  startVendorServer,
} from '../../test/support/vendor-server.ts';
import type { ModelRequest } from '../spec/index.ts';
import { SystemError, UserError } from '../spec/index.ts';
import { ModelCallError } from './model-call-error.ts';
import { createModelClient } from './model-client.ts';
import { loadPriceTable } from './price-table.ts';

const priceTable = loadPriceTable();

const shellTool = {
  description: 'Run a shell command in the workspace',
  inputSchema: {
    type: 'object',
    properties: { command: { type: 'string' } },
    required: ['command'],
    additionalProperties: false,
  },
};

const messages: ModelMessage[] = [{ role: 'user', content: 'Make the tests pass.' }];

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    system: 'You are a careful engineer.',
    messages,
    tools: { shell: shellTool },
    maxOutputTokens: 1024,
    ...overrides,
  };
}

let server: VendorServer;

beforeAll(async () => {
  server = await startVendorServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending).toBe(0);
});

function anthropic(streaming = false) {
  return createModelClient({
    spec: 'anthropic:claude-opus-4-7',
    env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url },
    priceTable,
    streaming,
  });
}

function openai(model = 'gpt-5.1', streaming = false) {
  return createModelClient({
    spec: `openai:${model}`,
    env: { OPENAI_API_KEY: 'sk-openai-test', OPENAI_BASE_URL: `${server.url}/v1` },
    priceTable,
    streaming,
  });
}

/** A recorded Anthropic reply with its usage changed to include cache reads and 1-hour cache writes. */
function anthropicWithCache(): unknown {
  const body = JSON.parse(readFixture('anthropic/anthropic-text.json'));
  body.usage = {
    ...body.usage,
    input_tokens: 100,
    cache_creation_input_tokens: 3000,
    cache_read_input_tokens: 6000,
    cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    output_tokens: 29,
  };
  return body;
}

describe('anthropic', () => {
  it('sends the model, system, max_tokens, key and tools, and reads a plain reply', async () => {
    server.reply(jsonFixture('anthropic/anthropic-text.json'));
    const client = await anthropic();
    const turn = await client.generate(request());

    expect(turn.text).toMatch(/^Hello! I'm doing well/);
    expect(turn.toolCalls).toEqual([]);
    expect(turn.finishReason).toBe('stop');
    expect(turn.usage).toEqual({ input: 12, output: 29, cacheRead: 0, cacheWrite: 0 });
    expect(turn.cost).toEqual({
      usd: (12 * 5 + 29 * 25) / 1e6,
      priceTableVersion: '2026-11-01',
      priceKey: 'anthropic:claude-opus-4-7',
    });
    expect(turn.responseMessages).toEqual([
      { role: 'assistant', content: [expect.objectContaining({ type: 'text' })] },
    ]);

    const sent = server.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.body).toMatchObject({
      model: 'claude-opus-4-7',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'You are a careful engineer.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Make the tests pass.' }] }],
      tools: [{ name: 'shell', description: shellTool.description, input_schema: shellTool.inputSchema }],
    });
    expect(sent.body).not.toHaveProperty('stream');
  });

  it('keeps cache reads and writes out of input, prices 1-hour writes higher, and keeps the raw usage', async () => {
    const body = anthropicWithCache();
    server.reply({ kind: 'json', body });
    const turn = await (await anthropic()).generate(request());

    expect(turn.usage).toEqual({
      input: 100,
      output: 29,
      cacheRead: 6000,
      cacheWrite: 3000,
      cacheWrite1h: 2000,
    });
    const expected = (100 * 5 + 29 * 25 + 6000 * 0.5 + 1000 * 6.25 + 2000 * 10) / 1e6;
    expect(turn.cost.usd).toBeCloseTo(expected, 12);
    expect(turn.rawUsage).toEqual((body as { usage: unknown }).usage);
  });

  it('turns a tool_use block into a ToolCall and an assistant message', async () => {
    server.reply(jsonFixture('anthropic/anthropic-tool-no-args.json'));
    const turn = await (await anthropic()).generate(request());

    expect(turn.finishReason).toBe('tool-calls');
    expect(turn.toolCalls).toEqual([
      { id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', name: 'updateIssueList', input: {} },
    ]);
    expect(turn.text).toContain('Okay, I will update the current issue list');
    // The model called a tool the request did not offer: the caller answers it, so no SDK tool message.
    expect(turn.responseMessages.map((message) => message.role)).toEqual(['assistant']);
  });

  it('streams: asks for a stream and reads text and usage from message_start and message_delta', async () => {
    server.reply(anthropicStreamFixture('anthropic/anthropic-text.chunks.txt'));
    const turn = await (await anthropic(true)).generate(request());

    expect(server.requests[0]!.body).toMatchObject({
      model: 'claude-opus-4-7',
      max_tokens: 1024,
      stream: true,
    });
    expect(turn.text).toBe(
      "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(turn.usage).toEqual({ input: 12, output: 30, cacheRead: 0, cacheWrite: 0 });
    expect(turn.rawUsage).toMatchObject({ input_tokens: 12, output_tokens: 30, service_tier: 'standard' });
  });

  it('streams: takes cache totals from message_delta (recorded prompt-cache reply)', async () => {
    server.reply(
      anthropicStreamFixture('anthropic/anthropic-code-execution-20260120-prompt-cache.1.chunks.txt'),
    );
    const turn = await (await anthropic(true)).generate(request());

    expect(turn.usage).toEqual({ input: 6, output: 198, cacheRead: 6289, cacheWrite: 3337 });
    expect(turn.cost.usd).toBeCloseTo((6 * 5 + 198 * 25 + 6289 * 0.5 + 3337 * 6.25) / 1e6, 12);
    expect(turn.rawUsage).toMatchObject({ cache_read_input_tokens: 6289, cache_creation_input_tokens: 3337 });
  });

  it('streams: a tool call arrives as a ToolCall', async () => {
    server.reply(anthropicStreamFixture('anthropic/anthropic-tool-no-args.chunks.txt'));
    const turn = await (await anthropic(true)).generate(request());

    expect(turn.toolCalls).toEqual([
      { id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', input: {} },
    ]);
    expect(turn.usage).toEqual({ input: 565, output: 48, cacheRead: 0, cacheWrite: 0 });
  });

  it('429 with retry-after is retryable and keeps retryAfterMs', async () => {
    server.reply(
      anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
        'retry-after': '7',
      }),
    );
    const error = await (await anthropic()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({
      code: 'model-call-failed',
      isRetryable: true,
      status: 429,
      retryAfterMs: 7000,
    });
    expect((error as Error).message).toContain('rate limit');
    expect(server.requests).toHaveLength(1);
  });

  it('529 overloaded is retryable, without a retry hint', async () => {
    server.reply(anthropicError(529, 'overloaded_error', 'Overloaded'));
    const error = await (await anthropic()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      code: 'model-call-failed',
      isRetryable: true,
      status: 529,
      retryAfterMs: undefined,
    });
  });

  it('400 is not retryable and carries the vendor message', async () => {
    server.reply(anthropicError(400, 'invalid_request_error', 'max_tokens: 999999 > 128000'));
    const error = await (await anthropic()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: false, status: 400 });
    expect((error as Error).message).toContain('max_tokens: 999999 > 128000');
  });

  it('401 hints at the key variable', async () => {
    server.reply(anthropicError(401, 'authentication_error', 'invalid x-api-key'));
    const error = await (await anthropic()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      isRetryable: false,
      status: 401,
      hint: 'check the key in ANTHROPIC_API_KEY',
    });
  });

  it('a malformed body is model-reply-invalid', async () => {
    server.reply({ kind: 'text', body: '{"id": "msg_1", "content": [' });
    const error = await (await anthropic()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SystemError);
    expect(error).toMatchObject({ code: 'model-reply-invalid', isRetryable: false });
  });

  it('streams: a 429 before the stream starts is retryable, with retryAfterMs', async () => {
    server.reply(anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '3' }));
    const error = await (await anthropic(true)).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      code: 'model-call-failed',
      isRetryable: true,
      status: 429,
      retryAfterMs: 3000,
    });
  });

  it('streams: a garbled event is model-reply-invalid', async () => {
    const recorded = anthropicStreamFixture('anthropic/anthropic-text.chunks.txt');
    if (recorded.kind !== 'sse') expect.fail('expected an SSE fixture');
    const events = [
      ...recorded.events.slice(0, 4),
      { event: 'content_block_delta', data: '{"type":"content_block_delta",' },
    ];
    server.reply({ kind: 'sse', events });
    const error = await (await anthropic(true)).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-reply-invalid' });
  });

  it('a missing key fails when the client is created, naming the variable', async () => {
    const creating = createModelClient({ spec: 'anthropic:claude-opus-4-7', env: {}, priceTable });
    await expect(creating).rejects.toThrow(UserError);
    await expect(creating).rejects.toMatchObject({
      code: 'model-key-missing',
      message: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });

  it('a model without a price fails when the client is created', async () => {
    const creating = createModelClient({
      spec: 'anthropic:claude-unknown-9',
      env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url },
      priceTable,
    });
    await expect(creating).rejects.toMatchObject({ code: 'price-unknown' });
  });
});

describe('openai chat completions', () => {
  it('sends the model, max_completion_tokens, bearer key and tools, and reads a plain reply', async () => {
    server.reply(jsonFixture('openai-chat/openai-text.json'));
    const client = await openai();
    const turn = await client.generate(request());

    expect(client.label).toBe('openai:gpt-5.1');
    expect(client.priceKey).toBe('openai:gpt-5.1');
    expect(turn.text).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(turn.finishReason).toBe('stop');
    expect(turn.usage).toEqual({ input: 16, output: 363, cacheRead: 0, cacheWrite: 0 });
    expect(turn.cost.usd).toBeCloseTo((16 * 1.25 + 363 * 10) / 1e6, 12);
    expect(turn.rawUsage).toMatchObject({ prompt_tokens: 16, completion_tokens: 363, total_tokens: 379 });

    const sent = server.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-openai-test');
    // gpt-5 models are reasoning models: the SDK sends max_completion_tokens, not max_tokens.
    expect(sent.body).toMatchObject({
      model: 'gpt-5.1',
      max_completion_tokens: 1024,
      messages: [
        { role: 'developer', content: 'You are a careful engineer.' },
        { role: 'user', content: 'Make the tests pass.' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'shell', description: shellTool.description, parameters: shellTool.inputSchema },
        },
      ],
    });
  });

  it('counts cached prompt tokens once: input is prompt_tokens minus cached_tokens', async () => {
    server.reply(jsonFixture('openai-compatible/xai-tool-call.json'));
    const turn = await (await openai('gpt-5.4-mini')).generate(request());

    expect(turn.usage).toEqual({ input: 307 - 244, output: 26, cacheRead: 244, cacheWrite: 0 });
    expect(turn.cost.usd).toBeCloseTo((63 * 0.75 + 26 * 4.5 + 244 * 0.075) / 1e6, 12);
    expect(turn.toolCalls).toEqual([
      { id: 'call_46427107', name: 'weather', input: { location: 'San Francisco' } },
    ]);
    expect(turn.finishReason).toBe('tool-calls');
  });

  it('streams and asks for usage in the stream', async () => {
    server.reply(openaiStreamFixture('openai-chat/openai-text.chunks.txt'));
    const turn = await (await openai('gpt-5.4-nano', true)).generate(request());

    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(turn.text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(turn.usage).toEqual({ input: 16, output: 300, cacheRead: 0, cacheWrite: 0 });
  });

  it('500 is retryable; a 429 retry-after-ms is kept', async () => {
    server.reply(
      openaiError(500, 'server_error', 'The server had an error while processing your request.'),
      openaiError(429, 'rate_limit_exceeded', 'Rate limit reached for gpt-5.1', {
        'retry-after-ms': '1500',
        'retry-after': '2',
      }),
    );
    const client = await openai();
    const first = await client.generate(request()).catch((caught: unknown) => caught);
    const second = await client.generate(request()).catch((caught: unknown) => caught);

    expect(first).toMatchObject({ code: 'model-call-failed', isRetryable: true, status: 500 });
    expect(second).toMatchObject({
      code: 'model-call-failed',
      isRetryable: true,
      status: 429,
      retryAfterMs: 1500,
    });
    expect(server.requests).toHaveLength(2);
  });

  it('429 insufficient_quota is not retryable', async () => {
    server.reply(jsonFixture('openai-responses/openai-error.1.json', 429));
    const error = await (await openai()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: false, status: 429 });
    expect((error as WardenLike).hint).toContain('quota');
  });

  it('400 from the vendor is not retryable and carries its message', async () => {
    server.reply(jsonFixture('openai-chat/reasoning-model-legacy-parameter-error.json', 400));
    const error = await (await openai()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: false, status: 400 });
    expect((error as Error).message).toContain("Unsupported parameter: 'max_tokens'");
  });

  it('a body that is JSON but not a completion is model-reply-invalid', async () => {
    server.reply({ kind: 'json', body: { choices: 'none' } });
    const error = await (await openai()).generate(request()).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-reply-invalid' });
  });

  it('a missing key fails when the client is created, naming the variable', async () => {
    await expect(createModelClient({ spec: 'openai:gpt-5.1', env: {}, priceTable })).rejects.toMatchObject({
      code: 'model-key-missing',
      message: expect.stringContaining('OPENAI_API_KEY'),
    });
  });
});

describe('openai-compatible', () => {
  const compatiblePrices = loadPriceTable({
    'claude-haiku-4-5': {
      litellm_provider: 'openai-compatible',
      mode: 'chat',
      input_cost_per_token: 1e-6,
      output_cost_per_token: 5e-6,
      warden_tier: 'small',
    },
  });

  it('streams a tool call from a gateway, with no key needed', async () => {
    server.reply(sseFixture('openai-compatible/anthropic-fallback-tool-call.sse'));
    const client = await createModelClient({
      spec: `openai-compatible:claude-haiku-4-5@${server.url}/v1`,
      env: {},
      priceTable: compatiblePrices,
      streaming: true,
    });
    const turn = await client.generate(request());

    expect(client.priceKey).toBe('openai-compatible:claude-haiku-4-5');
    expect(turn.text).toBe('Reading it.');
    expect(turn.toolCalls).toEqual([{ id: 'toolu_sanitized', name: 'read_file', input: { path: 'a.txt' } }]);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requests[0]!.body).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      stream: true,
    });
  });
});

interface WardenLike {
  hint: string | undefined;
}
