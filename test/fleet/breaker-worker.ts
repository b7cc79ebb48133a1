// One worker process of test/fleet/shared-breakers.integration.test.ts, with a pool of its own: it trips
// the loop breaker of `agent:fixer` COUNT times and counts COUNT failed calls of one model, several at a
// time, through the PostgreSQL breaker store.
//
// Usage: node breaker-worker.ts URL COUNT — prints `ready`, waits for a line on stdin (so the workers
// start at once), then prints one JSON line: how many breakers its records opened.
import { createInterface } from 'node:readline';
import pg from 'pg';
import { CircuitBreakers } from '../../src/guard/circuit-breakers.ts';
import { PgBreakerStore } from '../../src/store/pg/pg-breaker-store.ts';

/** Consecutive failures that would open the model's breaker: more than the workers make together. */
export const PROVIDER_FAILURES = 10_000;
export const MODEL_KEY = 'openai:gpt-5.4-mini';
const AT_ONCE = 5;

async function main(): Promise<void> {
  const [url, count] = process.argv.slice(2);
  if (url === undefined || count === undefined) throw new Error('usage: URL COUNT');
  const pool = new pg.Pool({ connectionString: url, max: AT_ONCE });
  const breakers = new CircuitBreakers({
    book: new PgBreakerStore(pool),
    settings: {
      toolErrorWindow: 20,
      toolErrorRate: 0.5,
      agentTaskTrips: 3,
      fleetAgentTrips: 3,
      tripWindowSeconds: 3600,
      providerFailures: PROVIDER_FAILURES,
      providerOpenSeconds: 60,
      probeTimeoutSeconds: 120,
      openSeconds: 600,
    },
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once('line', () => resolve()),
  );
  let next = 0;
  let opened = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      for (let call = next++; call < Number(count); call = next++) {
        const trip = await breakers.record({ type: 'loop', scope: 'agent:fixer', detail: `loop ${call}` });
        if (trip) opened += 1;
        await breakers.record({ type: 'model-call', modelKey: MODEL_KEY, failed: true, detail: 'HTTP 529' });
      }
    }),
  );
  await pool.end();
  process.stdout.write(`${JSON.stringify({ opened })}\n`);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
