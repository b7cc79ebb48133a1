import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NANOS_PER_USD } from '../../src/spec/spend-store.ts';
import { PgSpendStore } from '../../src/store/pg/pg-spend-store.ts';
import { openPgStore } from '../../src/store/pg/pg-store.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { FLEET_LIMIT_USD, type WorkerReport } from './spend-worker.ts';

/**
 * The fleet's hostile case for shared limits: four worker processes, each with its own pool, run forty
 * queued tasks against one fleet daily limit of $1.00, three tasks at a time each, every call reserving a
 * random worst case and settling a random actual cost (nothing, all of it, or anything between). The
 * limit must hold to the nano-dollar: never overshot by what was booked, never by what was booked and
 * held together at any moment (a trigger records the highest the fleet's row ever reached), and no call
 * refused unless it would have passed the limit.
 */
const WORKERS = 4;
const TASKS = 40;
const NODE = path.resolve(import.meta.dirname, '../../node_modules/.bin/node');
const WORKER = path.resolve(import.meta.dirname, 'spend-worker.ts');
const LIMIT_NANOS = FLEET_LIMIT_USD * NANOS_PER_USD;

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

/** Starts the workers; resolves with their reports once every one of them was started at once. */
async function runWorkers(url: string, seed: number): Promise<WorkerReport[]> {
  const children = Array.from({ length: WORKERS }, (_, index) => {
    const tasks = Array.from({ length: TASKS / WORKERS }, (_, task) => `w${index}-t${task}`);
    const child = spawn(NODE, [WORKER, url, `worker-${index}`, String(seed + index), ...tasks], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<WorkerReport>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`worker ${index} exited ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout.slice('ready\n'.length)) as WorkerReport);
      });
    });
    return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
  });
  await Promise.all(children.map((each) => each.ready));
  for (const each of children) each.child.stdin.end('go\n');
  return Promise.all(children.map((each) => each.done));
}

describe.skipIf(server.skipReason !== undefined)('4 workers sharing a $1.00 fleet daily limit', () => {
  it('with 40 queued tasks never overshoot it, and refuse a call only when it would pass it', async () => {
    const store = await openPgStore(database.url);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // The highest spent plus held the fleet's window ever reached, written by every change of its row.
      await admin.query(`CREATE TABLE fleet_peak (peak_nanos BIGINT NOT NULL);
        INSERT INTO fleet_peak VALUES (0);
        CREATE FUNCTION record_fleet_peak() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.scope = 'fleet' THEN
            UPDATE fleet_peak SET peak_nanos = GREATEST(peak_nanos, NEW.spent_nanos + NEW.held_nanos);
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fleet_peak AFTER INSERT OR UPDATE ON spend_windows
          FOR EACH ROW EXECUTE FUNCTION record_fleet_peak();`);

      const reports = await runWorkers(database.url, 20_261_202);

      const book = new PgSpendStore(store.pool);
      const fleet = await book.totals('fleet', '2026-12-02');
      const booked = reports.reduce((sum, report) => sum + report.bookedNanos, 0);
      const peak = Number((await admin.query('SELECT peak_nanos FROM fleet_peak')).rows[0].peak_nanos);
      const refusals = reports.flatMap((report) => report.refusals);

      expect(Math.round((fleet?.spentUsd ?? Number.NaN) * NANOS_PER_USD)).toBe(booked);
      expect(booked).toBeLessThanOrEqual(LIMIT_NANOS);
      expect(peak).toBeLessThanOrEqual(LIMIT_NANOS);
      expect(fleet).toMatchObject({ heldUsd: 0, heldTokens: 0 });
      const entries = await book.entries();
      expect(entries.reduce((sum, entry) => sum + Math.round(entry.usd * NANOS_PER_USD), 0)).toBe(booked);
      // The limit was really reached: most tasks were stopped by it, each by a call that would have passed it.
      expect(refusals.length).toBeGreaterThan(TASKS / 2);
      for (const refusal of refusals) {
        expect(refusal).toMatchObject({ scope: 'fleet', limit: 'usd', limitValue: FLEET_LIMIT_USD });
        expect(Math.round(refusal.committed * NANOS_PER_USD) + refusal.requestNanos).toBeGreaterThan(
          LIMIT_NANOS,
        );
      }
    } finally {
      await admin.end();
      await store.close();
    }
  }, 120_000);
});

if (server.skipReason) {
  describe.skip(`shared spend limit (skipped: ${server.skipReason})`, () => {
    it('runs against PostgreSQL', () => {});
  });
}
