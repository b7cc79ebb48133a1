import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { openSqliteStore, type SqliteStore } from '../sqlite-store.ts';
import { copySqliteToPg } from './copy-sqlite-to-pg.ts';
import { openPgStore, type PgStore } from './pg-store.ts';
import { COPIED_TABLES, UNCOPIED_SQLITE_TABLES, UNFILLED_PG_COLUMNS } from './sqlite-copy-tables.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`copying SQLite into PostgreSQL: skipped: ${server.skipReason}`);

const HASH = 'a'.repeat(64);
const NOW = '2026-01-02T03:04:05.000Z';
const BEYOND_2_53 = 2n ** 60n + 7n;

/** One row in every table, and the values where the engines differ. */
function fill(store: SqliteStore): void {
  store.database.exec(`
    INSERT INTO tasks (id, prompt, repo, base_commit, model, requested_by, status, created_at, head_seq, head_hash)
      VALUES ('t1', 'p', '/r', 'c', 'm', 'me', 'succeeded', '${NOW}', 1, '${HASH}');
    INSERT INTO events VALUES ('t1', 1, 'task-start', '${NOW}', '${'0'.repeat(64)}', '${HASH}', '{"a": 1,  "z":"é"}');
    INSERT INTO journal_checkpoints VALUES (1, '${NOW}', '{"heads":{}}', '${HASH}', 'sig');
    INSERT INTO journal_sealed_heads VALUES ('t1', 1, 1, '${HASH}');
    INSERT INTO spend_windows VALUES ('fleet', 'day:2026-01-02', 5, 6, 7, 8);
    INSERT INTO spend_reservations VALUES ('r1', '[["fleet","day:2026-01-02"]]', 1, 2, 'held', '${NOW}', '${NOW}');
    INSERT INTO spend_entries (id, reservation_id, task_id, day, at, price_key, price_table_version, batch,
        usd_nanos, tokens, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
      VALUES (41, 'r0', 't1', '2026-01-02', '${NOW}', 'k', 'v', 1, ${BEYOND_2_53}, 1, 1, 0, 0, 0, 0),
             (42, NULL, 't1', '2026-01-02', '${NOW}', 'k', 'v', 0, 3, 1, 1, 0, 0, 0, 0);
    INSERT INTO task_outcomes VALUES ('t1', 'succeeded', NULL, NULL, 1, '2026-01-02', '${NOW}');
    INSERT INTO breakers VALUES ('fleet', 'spend', 'open', 'why', '${NOW}', NULL, 2, '${NOW}', NULL);
    INSERT INTO breaker_counters VALUES ('task:t1', 'tool-errors', 1, '10', '${NOW}');
    INSERT INTO breaker_trips VALUES ('agent:a', 'task:t1', '${NOW}');
    INSERT INTO approvals (id, task_id, kind, tool, input, reasons, policy_ids, content_hash, created_at, expires_at, status)
      VALUES ('zz-first', 't1', 'tool', 'shell', '{}', '[]', '[]', 'h', '${NOW}', '${NOW}', 'pending'),
             ('aa-second', 't1', 'tool', 'shell', '{}', '[]', '[]', 'h', '${NOW}', '${NOW}', 'pending');
    INSERT INTO actions VALUES ('k1', 't1', 'open-pull-request', '{}', 'done', '{}', NULL, '${NOW}', '${NOW}');
    INSERT INTO pull_requests VALUES ('repo', 1, 'h', 'b', 't', 'body', 'open', '[]', '${NOW}', '${NOW}');
    INSERT INTO pull_request_comments (id, repository, number, body, created_at) VALUES (9, 'repo', 1, 'hi', '${NOW}');
    INSERT INTO model_batches VALUES ('rh', 'anthropic', 'b1', 'waiting', '${NOW}', NULL);
    INSERT INTO webhook_deliveries VALUES ('d1', 'github', 'push', 'repo', 's', '${NOW}', 'started', 't1', 0, NULL, NULL);
    INSERT INTO pull_outcomes VALUES ('t1', 'repo', 1, 'u', '${NOW}', 'open', 0, 0, NULL, NULL, NULL);
  `);
}

describe.skipIf(!server.url)('copying a SQLite store into PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-copy-'));
  let database: TestDatabase;
  let source: SqliteStore;
  let target: PgStore;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    source = openSqliteStore(join(dir, 'warden.db'));
    target = await openPgStore(database.url);
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps every column of both engines, or says why one is left out', async () => {
    const sqliteTables = (
      source.database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as Array<{ name: string }>
    ).map((row) => row.name);
    const sqliteColumns = (table: string) =>
      (source.database.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>)
        .map((row) => row.name)
        .sort();
    const { rows } = await target.pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    );
    const pgColumns = (table: string) =>
      rows
        .filter((row) => row.table_name === table)
        .map((row) => row.column_name)
        .sort();
    const copied = COPIED_TABLES.map((table) => table.name);
    expect([...copied, ...Object.keys(UNCOPIED_SQLITE_TABLES)].sort()).toEqual(sqliteTables.sort());
    expect([...copied].sort()).toEqual([...new Set(rows.map((row) => row.table_name))].sort());
    for (const table of COPIED_TABLES) {
      expect(table.columns.map((column) => column.from).sort(), table.name).toEqual(
        sqliteColumns(table.name),
      );
      const filled = [
        ...table.columns.map((column) => column.to),
        ...(UNFILLED_PG_COLUMNS[table.name] ?? []),
      ];
      expect(filled.sort(), table.name).toEqual(pgColumns(table.name));
    }
  });

  it('copies every row, converting what differs, and the numbering goes on after the copied ids', async () => {
    fill(source);
    const copied = await copySqliteToPg(source, target);
    expect(copied.find((table) => table.name === 'spend_entries')?.rows).toBe(2);
    expect(copied.every((table) => table.rows >= 1)).toBe(true);
    const one = async (sql: string) => (await target.pool.query(sql)).rows;
    expect(await one('SELECT body FROM events')).toEqual([{ body: '{"a": 1,  "z":"é"}' }]);
    expect(await one('SELECT time_window FROM spend_windows')).toEqual([{ time_window: 'day:2026-01-02' }]);
    expect(
      await one('SELECT windows @> \'[["fleet", "day:2026-01-02"]]\' AS found FROM spend_reservations'),
    ).toEqual([{ found: true }]);
    expect(await one('SELECT id::text, batch, usd_nanos::text FROM spend_entries ORDER BY id')).toEqual([
      { id: '41', batch: true, usd_nanos: BEYOND_2_53.toString() },
      { id: '42', batch: false, usd_nanos: '3' },
    ]);
    // Approvals tie on their time: PostgreSQL's seq keeps SQLite's insertion order, not the ids' order.
    expect((await one('SELECT id FROM approvals ORDER BY seq')).map((row) => row.id)).toEqual([
      'zz-first',
      'aa-second',
    ]);
    const [next] = await one(
      `INSERT INTO spend_entries (day, at, price_key, price_table_version, usd_nanos, tokens, input_tokens,
         output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
       VALUES ('d', 'a', 'k', 'v', 1, 1, 1, 0, 0, 0, 0) RETURNING id::text`,
    );
    expect(next).toEqual({ id: '43' });
    const [comment] = await one(
      "INSERT INTO pull_request_comments (repository, number, body, created_at) VALUES ('repo', 1, 'x', 'y') RETURNING id::text",
    );
    expect(comment).toEqual({ id: '10' });
  });

  it('refuses a target holding any row, and writes nothing', async () => {
    const other = await createTestDatabase(server.url!);
    const elsewhere = await openPgStore(other.url);
    try {
      await elsewhere.pool.query(
        `INSERT INTO breakers (scope, kind, state, reason, updated_at) VALUES ('fleet', 'spend', 'closed', '', 'x')`,
      );
      await expect(copySqliteToPg(source, elsewhere)).rejects.toMatchObject({
        code: 'usage',
        message: expect.stringMatching(/already holds rows in breakers \(1\); nothing was copied/),
      });
      const { rows } = await elsewhere.pool.query(
        'SELECT (SELECT COUNT(*) FROM tasks)::int AS tasks, (SELECT COUNT(*) FROM breakers)::int AS breakers',
      );
      expect(rows).toEqual([{ tasks: 0, breakers: 1 }]);
    } finally {
      await elsewhere.close();
      await other.drop();
    }
  });
});
