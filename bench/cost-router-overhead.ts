import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { breakerScopesOf, CircuitBreakers, describeOpenBreaker, SpendLedger } from '../src/guard/index.ts';
import {
  costOf,
  createRoutedModelClient,
  estimateCostUsd,
  loadPriceTable,
  type ModelClient,
  type ModelRequest,
  type ModelTurn,
} from '../src/model/index.ts';
import { SystemError } from '../src/spec/index.ts';
import { openSqliteStore, SqliteBreakerStore, SqliteSpendStore } from '../src/store/index.ts';
import { summarize, timeEach } from './stats.ts';

/**
 * (c) What Warden adds around one model call before and after the vendor: the breaker check of the
 * call's scopes, the worst-case estimate, the ledger reservation across task, agent day, team day and
 * fleet day (one SQLite transaction on a file), the router (its provider-breaker check, its pick and the
 * decision handed to the journal callback, here a no-op), the settlement with its booked entry, and the
 * breaker record. The vendor is a client that answers at once, so the figure is Warden's alone. µs per call.
 */
export async function benchRouterOverhead(count = 2000) {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-bench-'));
  const store = openSqliteStore(path.join(dir, 'warden.db'));
  try {
    const table = loadPriceTable();
    const ledger = new SpendLedger({
      book: new SqliteSpendStore(store.database),
      limits: {
        taskUsd: 1e9,
        taskTokens: null,
        agentDailyUsd: 1e9,
        agentDailyTokens: null,
        teamDailyUsd: 1e9,
        teamDailyTokens: null,
        fleetDailyUsd: 1e9,
        fleetDailyTokens: null,
      },
    });
    const breakers = new CircuitBreakers({
      book: new SqliteBreakerStore(store.database),
      settings: {
        toolErrorWindow: 20,
        toolErrorRate: 0.5,
        providerFailures: 5,
        providerOpenSeconds: 60,
        probeTimeoutSeconds: 300,
        agentTaskTrips: 3,
        fleetAgentTrips: 3,
        tripWindowSeconds: 3600,
        openSeconds: 600,
      },
    });
    const key = 'anthropic:claude-sonnet-4-6';
    // The vendor's answer is ready before the call: this measures the router around it, not a model.
    const answer: ModelTurn = {
      text: 'done',
      toolCalls: [],
      finishReason: 'stop',
      usage: { input: 1000, output: 1000, cacheRead: 10_000, cacheWrite: 0 },
      rawUsage: {},
      cost: costOf(table, key, { input: 1000, output: 1000, cacheRead: 10_000, cacheWrite: 0 }),
      latencyMs: 0,
      responseMessages: [],
      batch: false,
    };
    const instant: ModelClient = {
      label: key,
      priceKey: key,
      provider: 'anthropic',
      generate: async () => answer,
    };
    const routed = createRoutedModelClient({
      tier: 'mid',
      candidates: [instant],
      maxAttempts: 2,
      backoffBaseMs: 500,
      backoffMaxMs: 30_000,
      priceTable: table,
      health: {
        openBreaker: async (modelKey) => {
          const open = await breakers.check([`model:${modelKey}`]);
          return open && describeOpenBreaker(open);
        },
        record: async (modelKey, failed) => {
          await breakers.record({ type: 'model-call', modelKey, failed });
        },
      },
    });
    const request: ModelRequest = {
      system: '',
      messages: [],
      tools: {},
      maxOutputTokens: 4096,
      onRouteDecision: async () => {},
    };
    const samples = await timeEach(count, async (index) => {
      const scopes = { taskId: `task-${index % 50}`, agent: 'fixer', team: 'payments' };
      if (await breakers.check(breakerScopesOf(scopes, key)))
        throw new SystemError('store-failed', 'a breaker opened during the benchmark');
      const reserved = await ledger.reserve(scopes, {
        usd: estimateCostUsd(table, key, 20_000, 4096),
        tokens: 24_096,
      });
      if (!reserved.ok) throw new SystemError('store-failed', reserved.reason);
      await routed.generate(request);
      await ledger.settle(
        reserved.reservation,
        { usd: 0.01, tokens: 12_000 },
        {
          stage: 'plan',
          priceKey: key,
          priceTableVersion: table.version,
          tier: 'mid',
          batch: false,
          input: 1000,
          output: 1000,
          cacheRead: 10_000,
          cacheWrite: 0,
          cacheWrite1h: 0,
          topTierUsd: 0.02,
        },
      );
    });
    return summarize(samples);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
