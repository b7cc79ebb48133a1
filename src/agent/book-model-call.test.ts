import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreakers, SpendLedger, TaskGuard } from '../guard/index.ts';
import { Journal } from '../journal/index.ts';
import { costOf, loadPriceTable, type ModelTurn, type PricedUsage } from '../model/index.ts';
import { openSqliteStore, SqliteBreakerStore, SqliteSpendStore, type SqliteStore } from '../store/index.ts';
import { bookModelCall } from './book-model-call.ts';
import { reserveBound } from './reserve-bound.ts';

const table = loadPriceTable();
const KEY = 'anthropic:claude-haiku-4-5';
const bound = reserveBound({
  priceTable: table,
  priceKeys: [KEY],
  request: { system: 'be careful', messages: [{ role: 'user', content: 'fix it' }], tools: {} },
  maxOutputTokens: 1000,
});

let store: SqliteStore;
let journal: Journal;
let guard: TaskGuard;
let breakers: CircuitBreakers;

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  journal = new Journal(store);
  await store.createTask({
    id: 't1',
    prompt: 'fix it',
    repo: '/repo',
    baseCommit: '0'.repeat(40),
    model: KEY,
    requestedBy: 'test',
    createdAt: new Date().toISOString(),
  });
  breakers = new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings: {
      toolErrorWindow: 20,
      toolErrorRate: 0.5,
      providerFailures: 1,
      providerOpenSeconds: 60,
      openSeconds: 600,
      agentTaskTrips: 3,
      fleetAgentTrips: 3,
      tripWindowSeconds: 3600,
      probeTimeoutSeconds: 300,
    },
  });
  const limits = {
    taskUsd: 2,
    taskTokens: null,
    agentDailyUsd: null,
    agentDailyTokens: null,
    teamDailyUsd: null,
    teamDailyTokens: null,
    fleetDailyUsd: null,
    fleetDailyTokens: null,
  };
  guard = await TaskGuard.open({
    scopes: { taskId: 't1', agent: 'coder' },
    ledger: new SpendLedger({ book: new SqliteSpendStore(store.database), limits }),
    breakers,
  });
});
afterEach(() => store.close());

function turnOf(usage: PricedUsage, rawUsage: unknown): ModelTurn {
  const cost = usage.missing
    ? { usd: 0, priceKey: KEY, priceTableVersion: table.version }
    : costOf(table, KEY, usage);
  return {
    text: 'ok',
    toolCalls: [],
    finishReason: 'stop',
    usage,
    rawUsage,
    cost,
    latencyMs: 1,
    responseMessages: [],
    batch: false,
  };
}

async function book(usage: PricedUsage, rawUsage: unknown = usage) {
  const reserved = await guard.beforeModelCall(KEY, { usd: bound.usd, tokens: bound.tokens });
  if (!reserved.ok) throw new Error(reserved.reason);
  return bookModelCall({
    taskId: 't1',
    step: 1,
    label: KEY,
    journal,
    guard,
    priceTable: table,
    counterfactualKey: 'anthropic:claude-opus-4-7',
    reservation: reserved.reservation,
    bound,
    turn: turnOf(usage, rawUsage),
  });
}

const types = async () => (await journal.events('t1')).map((event) => event.type);

describe('bookModelCall', () => {
  it('books honest usage at its price', async () => {
    const usage = { input: 500, output: 100, cacheRead: 0, cacheWrite: 0 };
    const result = await book(usage);
    expect(result.stop).toBeUndefined();
    expect(guard.spent.usd).toBeCloseTo(costOf(table, KEY, usage).usd, 9);
    expect(await types()).toEqual([]);
  });

  it('books the reservation for impossible usage, journals it, opens the provider breaker and stops', async () => {
    const result = await book(
      { input: 1e9, output: -50, cacheRead: 0, cacheWrite: 0 },
      { input_tokens: 1e9 },
    );
    expect(result.stop).toMatch(/impossible usage .*output tokens -50/);
    expect(guard.spent.usd).toBeCloseTo(bound.usd, 9);
    expect(guard.spent.tokens).toBe(bound.tokens);
    const [anomaly] = await journal.events('t1');
    expect(anomaly).toMatchObject({
      type: 'usage-anomaly',
      rawUsage: { input_tokens: 1e9 },
      reservedUsd: bound.usd,
    });
    expect(await breakers.check([`model:${KEY}`])).toMatchObject({ kind: 'provider' });
  });

  it('books the reservation for a reply without usage, journals it and goes on', async () => {
    const result = await book({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, missing: true }, undefined);
    expect(result.stop).toBeUndefined();
    expect(result.turn.cost.usd).toBeCloseTo(bound.usd, 12);
    expect(guard.spent.usd).toBeCloseTo(bound.usd, 9);
    expect(await types()).toEqual(['usage-missing']);
    expect(await breakers.check([`model:${KEY}`])).toBeUndefined();
  });
});
