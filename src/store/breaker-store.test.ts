import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../guard/circuit-breakers.ts';
import { Journal } from '../journal/index.ts';
import { SqliteBreakerStore } from './breaker-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

// What every breaker store does is in src/testing/breaker-store-conformance.ts; here is what only SQLite
// needs: its connection is shared by every store of the process, the journal included.

let store: SqliteStore;

beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

describe('SQLite breaker decisions on the connection the journal writes through', () => {
  it('never share a transaction with a journal append started at the same moment', async () => {
    const journal = new Journal(store);
    const breakers = new CircuitBreakers({
      book: new SqliteBreakerStore(store.database),
      settings: {
        toolErrorWindow: 1000,
        toolErrorRate: 0.5,
        agentTaskTrips: 3,
        fleetAgentTrips: 3,
        tripWindowSeconds: 3600,
        providerFailures: 3,
        providerOpenSeconds: 60,
        probeTimeoutSeconds: 120,
        openSeconds: 600,
      },
    });
    const tasks = Array.from({ length: 8 }, (_, index) => `t${index}`);
    for (const taskId of tasks) {
      await store.createTask({
        id: taskId,
        prompt: 'p',
        repo: '/repo',
        baseCommit: '0'.repeat(40),
        model: 'scripted:x',
        requestedBy: 'test',
        createdAt: new Date().toISOString(),
      });
    }
    // Eight tasks of one process, as an orchestrator's subtasks run: each counts a tool call, then
    // journals it, over and over, all of them started in the same tick.
    await Promise.all(
      tasks.map(async (taskId) => {
        for (let call = 0; call < 10; call++) {
          await breakers.record({ type: 'tool-call', taskId, failed: call % 2 === 0 });
          await journal.append(taskId, 'error', {
            source: 'agent',
            message: `call ${call}`,
            code: 'tool-failed',
          });
        }
      }),
    );
    for (const taskId of tasks) expect(await journal.events(taskId)).toHaveLength(10);
    const counted = await new SqliteBreakerStore(store.database).atomically((book) =>
      book.counter('task:t3', 'tool-errors'),
    );
    expect(counted).toEqual({ failures: 5, outcomes: '1010101010' });
  });
});
