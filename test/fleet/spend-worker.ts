// One fleet worker of test/fleet/shared-spend-limit.integration.test.ts, in a process of its own with a
// pool of its own: it runs its share of the queued tasks, a few at a time, each booking model calls
// through the PostgreSQL spend ledger until the fleet's daily limit refuses it.
//
// Usage: node spend-worker.ts URL WORKER SEED TASK_ID... — prints `ready`, waits for a line on stdin
// (so every worker starts at once), then prints one JSON line: what it booked and every refusal.
import { createInterface } from 'node:readline';
import pg from 'pg';
import { NANOS_PER_USD } from '../../src/spec/spend-store.ts';
import { PgSpendStore } from '../../src/store/pg/pg-spend-store.ts';

/** The fleet's daily limit the test sets, and the calls' worst cases: from 1 to 6 cents. */
export const FLEET_LIMIT_USD = 1;
export const CALLS_PER_TASK = 8;
const TASKS_AT_ONCE = 3;
const NOW = new Date('2026-12-02T12:00:00.000Z');

/** A refusal as the worker saw it, with what it asked for. */
export interface Refusal {
  scope: string;
  limit: string;
  committed: number;
  limitValue: number;
  requestNanos: number;
}

/** What one worker reports at the end. */
export interface WorkerReport {
  worker: string;
  calls: number;
  bookedNanos: number;
  refusals: Refusal[];
}

async function main(): Promise<void> {
  const [url, worker, seed, ...taskIds] = process.argv.slice(2);
  if (url === undefined || worker === undefined || seed === undefined)
    throw new Error('usage: URL WORKER SEED TASK…');
  const pool = new pg.Pool({ connectionString: url, max: TASKS_AT_ONCE });
  const book = new PgSpendStore(pool);
  const random = seeded(Number(seed));
  const report: WorkerReport = { worker, calls: 0, bookedNanos: 0, refusals: [] };
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once('line', () => resolve()),
  );

  const runTask = async (taskId: string): Promise<void> => {
    const windows = [
      { scope: `task:${taskId}`, window: 'all', limitUsd: null, limitTokens: null },
      { scope: `agent:${worker}`, window: '2026-12-02', limitUsd: null, limitTokens: null },
      { scope: 'fleet', window: '2026-12-02', limitUsd: FLEET_LIMIT_USD, limitTokens: null },
    ];
    for (let call = 0; call < CALLS_PER_TASK; call++) {
      const worstNanos = 10_000_000 + Math.floor(random() * 50_000_000);
      const usd = worstNanos / NANOS_PER_USD;
      const held = await book.reserve({ windows, usd, tokens: 2000, now: NOW, ttlMs: 3_600_000 });
      if (!held.ok) {
        const { scope, limit, committed, limitValue } = held;
        report.refusals.push({ scope, limit, committed, limitValue, requestNanos: worstNanos });
        return; // the task stops, as one stopped by a daily budget does
      }
      // What the vendor reported: nothing (the call failed), the whole bound, or anything below it.
      const roll = random();
      const actualNanos = roll < 0.15 ? 0 : roll < 0.25 ? worstNanos : Math.floor(random() * worstNanos);
      const actual = { usd: actualNanos / NANOS_PER_USD, tokens: actualNanos === 0 ? 0 : 1500 };
      const entry =
        actualNanos === 0
          ? undefined
          : {
              taskId,
              agent: worker,
              team: null,
              stage: null,
              priceKey: 'anthropic:claude-haiku-4-5',
              priceTableVersion: 'v',
              tier: 'small',
              batch: false,
              usd: actual.usd,
              tokens: actual.tokens,
              input: 1000,
              output: 500,
              cacheRead: 0,
              cacheWrite: 0,
              cacheWrite1h: 0,
              topTierUsd: null,
            };
      await book.settle(held.reservation, actual, entry, NOW);
      report.calls += 1;
      report.bookedNanos += actualNanos;
    }
  };

  const queue = [...taskIds];
  await Promise.all(
    Array.from({ length: TASKS_AT_ONCE }, async () => {
      for (let taskId = queue.shift(); taskId !== undefined; taskId = queue.shift()) await runTask(taskId);
    }),
  );
  await pool.end();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** A small deterministic generator (mulberry32), so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
