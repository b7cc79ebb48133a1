import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBreakerStore } from '../../src/store/pg/pg-breaker-store.ts';
import { openPgStore } from '../../src/store/pg/pg-store.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { MODEL_KEY } from './breaker-worker.ts';

/**
 * Two worker processes, each with its own pool, trip the same breaker at the same time, five decisions
 * in flight each: every trip is counted, and every failed call, exactly (a lost update between two
 * processes would show as a count short).
 */
const TRIPS = 40;
const NODE = path.resolve(import.meta.dirname, '../../node_modules/.bin/node');
const WORKER = path.resolve(import.meta.dirname, 'breaker-worker.ts');

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

/** Starts `count` workers, lets them go at once, and resolves with what each reported. */
async function runWorkers(url: string, count: number): Promise<{ opened: number }[]> {
  const children = Array.from({ length: count }, (_, index) => {
    const child = spawn(NODE, [WORKER, url, String(TRIPS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<{ opened: number }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`worker ${index} exited ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout.slice('ready\n'.length)) as { opened: number });
      });
    });
    return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
  });
  await Promise.all(children.map((each) => each.ready));
  for (const each of children) each.child.stdin.end('go\n');
  return Promise.all(children.map((each) => each.done));
}

describe.skipIf(server.skipReason !== undefined)('one breaker tripped by two processes at once', () => {
  it('counts every trip and every failure exactly', async () => {
    const store = await openPgStore(database.url);
    try {
      const reports = await runWorkers(database.url, 2);
      expect(reports).toEqual([{ opened: TRIPS }, { opened: TRIPS }]);
      const book = new PgBreakerStore(store.pool);
      expect(await book.list()).toEqual([
        expect.objectContaining({ scope: 'agent:fixer', kind: 'loop', state: 'open', trips: 2 * TRIPS }),
      ]);
      const counted = await book.atomically((tx) => tx.counter(`model:${MODEL_KEY}`, 'provider'));
      expect(counted.failures).toBe(2 * TRIPS);
    } finally {
      await store.close();
    }
  }, 120_000);
});

if (server.skipReason) {
  describe.skip(`shared breakers (skipped: ${server.skipReason})`, () => {
    it('runs against PostgreSQL', () => {});
  });
}
