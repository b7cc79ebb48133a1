import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spendEntryOf } from '../testing/spend-store-conformance.ts';
import { MIGRATIONS } from './migrations.ts';
import { sqliteSpendChecks } from './spend-checks.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

// What every spend store does is in src/testing/spend-store-conformance.ts (run on SQLite by
// spend-store.conformance.test.ts); here is what only the SQLite file has: its doctor checks and its upgrades.

const now = new Date('2026-12-02T12:00:00.000Z');
const day = '2026-12-02';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'warden-spend-'));
  store = openSqliteStore(path.join(dir, 'warden.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the SQLite spend ledger's doctor checks", () => {
  it('name an out-of-range window, an out-of-range entry and a reservation held past its time to live', async () => {
    const book = new SqliteSpendStore(store.database);
    store.database
      .prepare('INSERT INTO spend_windows (scope, window, spent_nanos) VALUES (?, ?, ?)')
      .run('fleet', day, 750_000_000_000_000_000n);
    store.database
      .prepare(
        `INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
           input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
         VALUES ('old', ?, ?, 'k', 'v', 5, 1, -1, 1, 0, 0, 0)`,
      )
      .run(day, now.toISOString());
    const windows = [{ scope: 'task:t1', window: 'all', limitUsd: null, limitTokens: null }];
    await book.reserve({ windows, usd: 0.1, tokens: 1, now, ttlMs: 1000 });
    const later = new Date(now.getTime() + 60_000);
    const findings = [];
    for (const check of sqliteSpendChecks(store.database)) findings.push(...(await check.run(later)));
    expect(findings.map((finding) => `${finding.check}: ${finding.subject}`)).toEqual([
      `spend-windows: spend window fleet ${day}`,
      `spend-entries: spend entry 1 (task old, ${day})`,
      expect.stringMatching(/^spend-reservations: reservation /),
    ]);
  });
});

describe('a store written before compaction', () => {
  it('loses its settled rows on upgrade, keeps its held ones, and never books a settled call again', async () => {
    const file = path.join(dir, 'old.db');
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const [index, migration] of MIGRATIONS.slice(0, 6).entries()) {
      old.exec(migration);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(index + 1, now.toISOString());
    }
    const oldWindows = JSON.stringify([{ scope: 'fleet', window: day }]);
    const insertReservation = old.prepare(
      `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
       VALUES (?, ?, 100000000, 100, ?, '2026-12-02T12:00:00.000Z', '2026-12-02T13:00:00.000Z')`,
    );
    for (const [id, state] of [
      ['booked', 'settled'],
      ['released-late', 'expired'],
      ['freed', 'released'],
      ['in-flight', 'held'],
    ] as const) {
      insertReservation.run(id, oldWindows, state);
    }
    old
      .prepare(
        `INSERT INTO spend_entries (reservation_id, task_id, day, at, price_key, price_table_version, usd_nanos,
           tokens, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
         VALUES ('booked', 't1', ?, ?, 'k', 'v', 50000000, 100, 90, 10, 0, 0, 0)`,
      )
      .run(day, now.toISOString());
    old
      .prepare(
        `INSERT INTO spend_windows (scope, window, spent_nanos, spent_tokens, held_nanos, held_tokens)
         VALUES ('fleet', ?, 50000000, 100, 100000000, 100)`,
      )
      .run(day);
    old.close();

    const upgraded = openSqliteStore(file);
    try {
      const rows = upgraded.database.prepare('SELECT id, state FROM spend_reservations ORDER BY id').all();
      expect(rows).toEqual([{ id: 'in-flight', state: 'held' }]);
      const upgradedBook = new SqliteSpendStore(upgraded.database);
      const booked = {
        id: 'booked',
        windows: [{ scope: 'fleet', window: day }],
        nanos: 100_000_000,
        tokens: 100,
      };
      await upgradedBook.settle(booked, { usd: 0.05, tokens: 100 }, spendEntryOf(0.05), now);
      expect(await upgradedBook.totals('fleet', day)).toEqual({
        spentUsd: 0.05,
        spentTokens: 100,
        heldUsd: 0.1,
        heldTokens: 100,
      });
      expect(await upgradedBook.entries()).toHaveLength(1);
    } finally {
      await upgraded.close();
    }
  });
});
