import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../store/pg/pg-store.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../testing/postgres-test-database.ts';
import { loadCheckpointKey } from './checkpoint-key.ts';
import { Checkpoints } from './checkpoints.ts';
import { Journal } from './journal.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`the journal over PostgreSQL: skipped: ${server.skipReason}`);

const START = {
  prompt: 'fix it',
  repo: '/repo',
  baseCommit: 'abc',
  model: 'scripted:x',
  requestedBy: 'tester',
  agent: 'default',
  team: 'default',
  createBranch: true,
  limits: null,
};
const LS = { toolCallId: 'call-1', tool: 'shell', input: { command: 'ls -la "é ✓"', depth: 0.1 } };
const END = {
  status: 'failed' as const,
  stopReason: 'error' as const,
  detail: '',
  steps: 1,
  costUsd: 0.25,
  tokens: 0,
  cacheHitRatio: null,
};

describe.skipIf(!server.url)('the journal over PostgreSQL', () => {
  let database: TestDatabase;
  let store: PgStore;
  let keyDir: string;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    store = await openPgStore(database.url);
    keyDir = mkdtempSync(join(tmpdir(), 'warden-pg-journal-'));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const sql = async (text: string, parameters: unknown[] = []) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(text, parameters);
    } finally {
      await client.end();
    }
  };

  it('verifies a sealed chain, then names the row edited with SQL and the tail deleted', async () => {
    const journal = new Journal(store, { checkpoints: new Checkpoints(store, loadCheckpointKey(keyDir)) });
    for (const id of ['t1', 't2']) {
      await store.createTask({
        id,
        prompt: 'fix it',
        repo: '/repo',
        baseCommit: 'abc',
        model: 'scripted:x',
        requestedBy: 'tester',
        createdAt: new Date().toISOString(),
      });
      await journal.append(id, 'task-start', START);
      await journal.append(id, 'tool-call-start', LS);
      await journal.appendAndUpdate(id, 'task-end', END, { status: 'failed', steps: 1, costUsd: 0.25 });
    }
    expect(await journal.verify('t1')).toMatchObject({
      ok: true,
      events: 3,
      state: 'complete',
      checkpoint: 1,
    });
    expect(await journal.verify('t2')).toMatchObject({ ok: true, events: 3, checkpoint: 2 });

    await sql(`UPDATE events SET body = $1 WHERE task_id = 't1' AND seq = 2`, [
      JSON.stringify({ toolCallId: 'call-1', tool: 'shell', input: { command: 'rm -rf /' } }),
    ]);
    expect(await journal.verify('t1')).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: 'content does not match its hash',
    });

    await sql(`DELETE FROM events WHERE task_id = 't2' AND seq = 3`);
    expect(await journal.verify('t2')).toMatchObject({ ok: false, problem: /truncated/ });
  });
});
