import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpendLedger } from '../../src/guard/index.ts';
import { Journal } from '../../src/journal/index.ts';
import { createModelClient, estimateCostUsd, loadPriceTable } from '../../src/model/index.ts';
import type { SqliteStore } from '../../src/store/index.ts';
import { openSqliteStore, SqliteSpendStore } from '../../src/store/index.ts';
import type { VendorServer } from '../support/vendor-server.ts';
import { startVendorServer } from '../support/vendor-server.ts';

const priceTable = loadPriceTable();
const DAILY_LIMIT_USD = 0.05;
const TASKS = 24;
const MAX_OUTPUT = 400;

let server: VendorServer;
let dir: string;
let store: SqliteStore;

beforeAll(async () => {
  server = await startVendorServer();
  // Every call: 1000 input and 200 output tokens on Haiku, after a little latency so calls overlap.
  server.respond((request) =>
    request.path === '/v1/messages'
      ? {
          kind: 'json',
          delayMs: 5,
          body: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-haiku-4-5',
            content: [{ type: 'text', text: 'working' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 1000, output_tokens: 200 },
          },
        }
      : undefined,
  );
  dir = mkdtempSync(path.join(tmpdir(), 'warden-spend-'));
  store = openSqliteStore(path.join(dir, 'warden.db'));
});

afterAll(async () => {
  await store.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a daily budget shared by concurrent tasks of one agent', () => {
  it('is never passed, not even by one call, measured from the journal to the cent', async () => {
    const journal = new Journal(store);
    const ledger = new SpendLedger({
      book: new SqliteSpendStore(store.database),
      limits: {
        taskUsd: 1,
        taskTokens: null,
        agentDailyUsd: DAILY_LIMIT_USD,
        agentDailyTokens: null,
        teamDailyUsd: null,
        teamDailyTokens: null,
        fleetDailyUsd: null,
        fleetDailyTokens: null,
      },
    });
    const client = await createModelClient({
      spec: 'anthropic:claude-haiku-4-5',
      env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url },
      priceTable,
    });
    const refusals: string[] = [];

    const runTask = async (index: number) => {
      const taskId = `task-${index}`;
      await store.createTask({
        id: taskId,
        prompt: 'loop',
        repo: dir,
        baseCommit: '0'.repeat(40),
        model: client.label,
        requestedBy: 'test',
        createdAt: new Date().toISOString(),
      });
      const scopes = { taskId, agent: 'fixer' };
      for (;;) {
        const worstCase = {
          usd: estimateCostUsd(priceTable, client.priceKey, 1200, MAX_OUTPUT),
          tokens: 1600,
        };
        const reserved = await ledger.reserve(scopes, worstCase);
        if (!reserved.ok) {
          refusals.push(reserved.scope);
          await journal.append(taskId, 'budget-exceeded', {
            stopReason: 'budget-daily',
            reason: reserved.reason,
            worstCase,
          });
          return;
        }
        const turn = await client.generate({
          system: 's',
          messages: [{ role: 'user', content: 'go' }],
          tools: {},
          maxOutputTokens: MAX_OUTPUT,
        });
        const tokens = turn.usage.input + turn.usage.output;
        await ledger.settle(
          reserved.reservation,
          { usd: turn.cost.usd, tokens },
          {
            stage: null,
            priceKey: turn.cost.priceKey,
            priceTableVersion: turn.cost.priceTableVersion,
            tier: 'small',
            batch: false,
            input: turn.usage.input,
            output: turn.usage.output,
            cacheRead: turn.usage.cacheRead,
            cacheWrite: turn.usage.cacheWrite,
            cacheWrite1h: 0,
            topTierUsd: null,
          },
        );
        await journal.append(taskId, 'model-response', {
          step: 1,
          model: client.label,
          finishReason: turn.finishReason,
          text: turn.text,
          toolCalls: turn.toolCalls,
          usage: turn.usage,
          rawUsage: turn.rawUsage,
          costUsd: turn.cost.usd,
          priceKey: turn.cost.priceKey,
          priceTableVersion: turn.cost.priceTableVersion,
          batch: turn.batch,
          latencyMs: turn.latencyMs,
          spentUsd: 0,
        });
      }
    };
    await Promise.all(Array.from({ length: TASKS }, (_, index) => runTask(index)));

    let journaled = 0;
    let calls = 0;
    for (let index = 0; index < TASKS; index++) {
      for (const event of await journal.events(`task-${index}`)) {
        if (event.type === 'model-response') {
          journaled += event.costUsd;
          calls += 1;
        }
      }
    }
    const perCall = (1000 * 1 + 200 * 5) / 1e6;
    expect(refusals).toHaveLength(TASKS);
    expect(new Set(refusals)).toEqual(new Set(['agent-day']));
    expect(journaled).toBeLessThanOrEqual(DAILY_LIMIT_USD);
    // Reservations hold the worst case, so the budget is used up to within one worst-case call.
    expect(journaled).toBeGreaterThan(
      DAILY_LIMIT_USD - estimateCostUsd(priceTable, client.priceKey, 1200, MAX_OUTPUT),
    );
    expect(journaled).toBeCloseTo(calls * perCall, 9);
    const spent = (await ledger.spent({ taskId: 'task-0', agent: 'fixer' }))['agent:fixer']!;
    expect(Math.round(spent.usd * 100)).toBe(Math.round(journaled * 100));
    expect(spent.usd).toBeCloseTo(journaled, 9);
    expect(server.requests.filter((request) => request.path === '/v1/messages')).toHaveLength(calls);
  });

  it('holds across connections: two ledgers on the same file see each other’s reservations', async () => {
    const limits = {
      taskUsd: null,
      taskTokens: null,
      agentDailyUsd: 1,
      agentDailyTokens: null,
      teamDailyUsd: null,
      teamDailyTokens: null,
      fleetDailyUsd: null,
      fleetDailyTokens: null,
    };
    const other = openSqliteStore(path.join(dir, 'warden.db'));
    try {
      const first = new SpendLedger({ book: new SqliteSpendStore(store.database), limits });
      const second = new SpendLedger({ book: new SqliteSpendStore(other.database), limits });
      const held = await first.reserve({ taskId: 'x', agent: 'nightly' }, { usd: 0.6, tokens: 1 });
      expect(held.ok).toBe(true);
      expect(await second.reserve({ taskId: 'y', agent: 'nightly' }, { usd: 0.6, tokens: 1 })).toMatchObject({
        ok: false,
        scope: 'agent-day',
        scopeId: 'agent:nightly',
      });
      if (held.ok) await second.release(held.reservation);
      expect((await second.reserve({ taskId: 'y', agent: 'nightly' }, { usd: 0.6, tokens: 1 })).ok).toBe(
        true,
      );
    } finally {
      void other.close();
    }
  });
});
