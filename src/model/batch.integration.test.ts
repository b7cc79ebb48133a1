import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { vendorBatches } from '../../test/support/vendor-batches.ts';
import { startVendorServer, type VendorServer } from '../../test/support/vendor-server.ts';
import type { ModelRequest } from '../spec/index.ts';
import { openSqliteStore, SqliteBatchStore, type SqliteStore } from '../store/index.ts';
import { ModelCallError } from './model-call-error.ts';
import { createModelClient } from './model-client.ts';
import { costOf, loadPriceTable } from './price-table.ts';

const FIXTURES = new URL('../../test/fixtures/vendor-wire/', import.meta.url);
const anthropicReply = JSON.parse(readFileSync(new URL('anthropic/anthropic-text.json', FIXTURES), 'utf8'));
const openaiReply = JSON.parse(readFileSync(new URL('openai-chat/openai-text.json', FIXTURES), 'utf8'));
const priceTable = loadPriceTable();
const request: ModelRequest = {
  system: 'Summarise the nightly failures.',
  messages: [{ role: 'user', content: 'Three tests failed.' }],
  tools: {},
  maxOutputTokens: 256,
};

let server: VendorServer;
let dir: string;
let store: SqliteStore;
beforeAll(async () => {
  server = await startVendorServer();
  dir = mkdtempSync(path.join(tmpdir(), 'warden-batch-'));
  store = openSqliteStore(path.join(dir, 'warden.db'));
});
afterAll(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

const client = (spec: string, sleep: (milliseconds: number) => Promise<void> = async () => {}) =>
  createModelClient({
    spec,
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: server.url,
      OPENAI_API_KEY: 'sk-openai-test',
      OPENAI_BASE_URL: `${server.url}/v1`,
    },
    priceTable,
    batch: { book: new SqliteBatchStore(store.database), pollMs: 10, sleep },
  });
const paths = () => server.requests.map((incoming) => `${incoming.method} ${incoming.path}`);

describe('model calls through the vendors’ batch APIs (local servers)', () => {
  it('an Anthropic call completes through Message Batches at the batch price', async () => {
    const batches = vendorBatches({ answer: () => anthropicReply, pollsBeforeEnd: 2 });
    server.respond(batches.handler);
    const turn = await (await client('anthropic:claude-sonnet-4-6')).generate(request);
    expect(turn.batch).toBe(true);
    expect(turn.text).toBe(anthropicReply.content[0].text);
    expect(turn.cost.usd).toBeCloseTo(
      costOf(priceTable, 'anthropic:claude-sonnet-4-6', turn.usage, { batch: true }).usd,
      12,
    );
    expect(turn.cost.usd).toBeLessThan(costOf(priceTable, 'anthropic:claude-sonnet-4-6', turn.usage).usd);
    expect(paths()).toEqual([
      'POST /v1/messages/batches',
      'GET /v1/messages/batches/msgbatch_1',
      'GET /v1/messages/batches/msgbatch_1',
      'GET /v1/messages/batches/msgbatch_1',
      'GET /v1/messages/batches/msgbatch_1/results',
    ]);
    const submitted = server.requests[0]!.body as { requests: Array<{ params: { system: unknown } }> };
    expect(submitted.requests[0]!.params.system).toBeDefined();
  });

  it('an OpenAI call completes through Files and Batch', async () => {
    const batches = vendorBatches({ answer: () => openaiReply });
    server.respond(batches.handler);
    const turn = await (await client('openai:gpt-5.1')).generate(request);
    expect(turn.batch).toBe(true);
    expect(turn.text).toBe(openaiReply.choices[0].message.content);
    expect(paths()).toEqual([
      'POST /v1/files',
      'POST /v1/batches',
      'GET /v1/batches/batch_1',
      'GET /v1/batches/batch_1',
      'GET /v1/files/out-batch_1/content',
    ]);
  });

  it('after a crash mid-wait, the same call polls the batch it already submitted: one batch, paid once', async () => {
    const batches = vendorBatches({ answer: () => anthropicReply, pollsBeforeEnd: 3 });
    server.respond(batches.handler);
    const crashing = await client('anthropic:claude-haiku-4-5', async () => {
      throw new Error('the process died');
    });
    await expect(crashing.generate(request)).rejects.toThrow();
    expect(batches.created).toBe(1);
    const restarted = await client('anthropic:claude-haiku-4-5');
    const turn = await restarted.generate(request);
    expect(turn.text).toBe(anthropicReply.content[0].text);
    expect(batches.created).toBe(1);
    expect(paths().filter((line) => line === 'POST /v1/messages/batches')).toHaveLength(1);
  });

  it('a request that failed in its batch, or a batch that expired, is a clear model error', async () => {
    server.respond(vendorBatches({ answer: () => anthropicReply, outcome: 'errored' }).handler);
    const failed = await (await client('anthropic:claude-opus-4-7'))
      .generate(request)
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ModelCallError);
    expect(failed).toMatchObject({
      status: 400,
      isRetryable: false,
      message: expect.stringMatching(/prompt is too long/),
    });

    server.respond(vendorBatches({ answer: () => openaiReply, outcome: 'expired' }).handler);
    const expired = await (await client('openai:gpt-5.4-mini'))
      .generate(request)
      .catch((error: unknown) => error);
    expect(expired).toBeInstanceOf(ModelCallError);
    expect(expired).toMatchObject({
      status: 504,
      message: expect.stringMatching(/expired without a result/),
    });
  });
});
