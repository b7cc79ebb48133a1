import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelCallError } from '../model/index.ts';
import { UserError } from '../spec/errors.ts';
import type { SqliteStore } from '../store/index.ts';
import { openSqliteStore, SqliteBreakerStore, SqliteSpendStore } from '../store/index.ts';
import { CircuitBreakers } from './circuit-breakers.ts';
import { SpendLedger } from './spend-ledger.ts';
import { TaskGuard } from './task-guard.ts';

const settings = {
  toolErrorWindow: 20,
  toolErrorRate: 0.5,
  agentTaskTrips: 3,
  fleetAgentTrips: 3,
  tripWindowSeconds: 3600,
  providerFailures: 2,
  providerOpenSeconds: 60,
  probeTimeoutSeconds: 120,
  openSeconds: 600,
};
const key = 'openai:gpt-5.4-mini';
const worstCase = { usd: 0.01, tokens: 1000 };

let store: SqliteStore;
const now = new Date('2026-11-02T10:00:00Z');

function guardOf(taskId: string): Promise<TaskGuard> {
  const ledger = new SpendLedger({
    book: new SqliteSpendStore(store.database),
    limits: {
      taskUsd: null,
      taskTokens: null,
      agentDailyUsd: null,
      agentDailyTokens: null,
      teamDailyUsd: null,
      teamDailyTokens: null,
      fleetDailyUsd: null,
      fleetDailyTokens: null,
    },
    clock: () => now,
  });
  const breakers = new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings,
    clock: () => now,
  });
  return TaskGuard.open({
    scopes: { taskId, agent: 'fixer', team: 'payments' },
    ledger,
    breakers,
    clock: () => now,
  });
}

/** One model call on `key` that fails with `error`. */
async function failedCall(guard: TaskGuard, error: unknown): Promise<void> {
  const reserved = await guard.beforeModelCall(key, worstCase);
  if (!reserved.ok) throw new Error(`refused: ${reserved.reason}`);
  await guard.afterFailedModelCall(reserved.reservation, key, error);
}

beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

describe('task guard and the provider breaker', () => {
  it("counts only the provider's faults, and then refuses the next call naming the breaker and its reset", async () => {
    // A bad request and a missing key are the caller's problem: however many, the provider stays usable.
    const refused = new ModelCallError('HTTP 400: prompt is too long', { status: 400, isRetryable: false });
    for (let call = 0; call < 3; call++) await failedCall(await guardOf('t1'), refused);
    await failedCall(await guardOf('t1'), new UserError('model-key-missing', 'OPENAI_API_KEY is not set'));
    expect((await (await guardOf('t2')).beforeModelCall(key, worstCase)).ok).toBe(true);

    const down = new ModelCallError('HTTP 500: server error', { status: 500, isRetryable: true });
    await failedCall(await guardOf('t3'), down);
    await failedCall(await guardOf('t4'), down);
    const stopped = await (await guardOf('t5')).beforeModelCall(key, worstCase);
    expect(stopped).toEqual({
      ok: false,
      stopReason: 'breaker',
      reason: `the provider breaker of model:${key} is open: 2 consecutive calls to ${key} failed (last: HTTP 500: server error); one probe call may go through after 2026-11-02T10:01:00.000Z; \`warden breakers reset model:${key}\` closes it now`,
    });
  });
});
