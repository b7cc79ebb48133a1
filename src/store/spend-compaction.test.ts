import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpendEntry, SpendWindow } from '../spec/spend-store.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

const now = new Date('2026-12-02T12:00:00.000Z');
const day = '2026-12-02';
const windows = (limitUsd: number | null): SpendWindow[] => [
  { scope: 'task:t1', window: 'all', limitUsd: null, limitTokens: null },
  { scope: 'fleet', window: day, limitUsd, limitTokens: null },
];
const entry = (usd: number): SpendEntry => ({
  taskId: 't1',
  agent: 'coder',
  team: null,
  stage: null,
  priceKey: 'anthropic:claude-haiku-4-5',
  priceTableVersion: 'v',
  tier: null,
  batch: false,
  usd,
  tokens: 100,
  input: 90,
  output: 10,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  topTierUsd: null,
});

let dir: string;
let store: SqliteStore;
let book: SqliteSpendStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'warden-compaction-'));
  store = openSqliteStore(path.join(dir, 'warden.db'));
  book = new SqliteSpendStore(store.database);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function reservationRows(): number {
  return Number(
    (store.database.prepare('SELECT COUNT(*) AS count FROM spend_reservations').get() as { count: number })
      .count,
  );
}

function call(usd: number, limitUsd: number | null = null) {
  const outcome = book.reserve({ windows: windows(limitUsd), usd, tokens: 100, now, ttlMs: 60_000 });
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome.reservation;
}

describe('settled reservations are compacted', () => {
  it('keeps no row per booked model call: a 30-call task leaves the reservations table empty', () => {
    for (let step = 0; step < 30; step++)
      book.settle(call(0.01), { usd: 0.01, tokens: 100 }, entry(0.01), now);
    expect(reservationRows()).toBe(0);
    expect(book.entries()).toHaveLength(30);
    expect(book.totals('task:t1', 'all')).toEqual({
      spentUsd: 0.3,
      spentTokens: 3000,
      heldUsd: 0,
      heldTokens: 0,
    });
  });

  it('keeps no row for a released call either, and releasing twice books nothing', () => {
    const reservation = call(0.2);
    book.settle(reservation, { usd: 0, tokens: 0 }, undefined, now);
    book.settle(reservation, { usd: 0, tokens: 0 }, undefined, now);
    expect(reservationRows()).toBe(0);
    expect(book.totals('fleet', day)).toEqual({ spentUsd: 0, spentTokens: 0, heldUsd: 0, heldTokens: 0 });
  });

  it('still books once when the same reservation is settled again after its row is gone', () => {
    const reservation = call(0.5);
    book.settle(reservation, { usd: 0.25, tokens: 100 }, entry(0.25), now);
    book.settle(reservation, { usd: 0.25, tokens: 100 }, entry(0.25), now);
    expect(book.entries()).toHaveLength(1);
    expect(book.totals('fleet', day)).toEqual({
      spentUsd: 0.25,
      spentTokens: 100,
      heldUsd: 0,
      heldTokens: 0,
    });
  });

  it('a daily budget near its limit still refuses after compaction, with the same money committed', () => {
    for (let step = 0; step < 9; step++)
      book.settle(call(0.1, 1), { usd: 0.1, tokens: 100 }, entry(0.1), now);
    expect(reservationRows()).toBe(0);
    const held = call(0.05, 1);
    const refused = book.reserve({ windows: windows(1), usd: 0.06, tokens: 1, now, ttlMs: 60_000 });
    expect(refused).toMatchObject({
      ok: false,
      scope: 'fleet',
      limit: 'usd',
      committed: 0.95,
      limitValue: 1,
    });
    book.settle(held, { usd: 0.05, tokens: 100 }, entry(0.05), now);
    expect(book.reserve({ windows: windows(1), usd: 0.06, tokens: 1, now, ttlMs: 60_000 }).ok).toBe(false);
    expect(book.reserve({ windows: windows(1), usd: 0.05, tokens: 1, now, ttlMs: 60_000 }).ok).toBe(true);
  });

  it('a failure between booking and compaction rolls both back: nothing lost, nothing counted twice', () => {
    const reservation = call(0.5);
    // A real SQLite trigger makes the compaction step fail after the booking was written.
    store.database.exec(
      `CREATE TRIGGER fail_compaction BEFORE DELETE ON spend_reservations
       BEGIN SELECT RAISE(ABORT, 'disk went away'); END`,
    );
    expect(() => book.settle(reservation, { usd: 0.25, tokens: 100 }, entry(0.25), now)).toThrow(
      /disk went away/,
    );
    expect(book.totals('fleet', day)).toEqual({ spentUsd: 0, spentTokens: 0, heldUsd: 0.5, heldTokens: 100 });
    expect(book.entries()).toHaveLength(0);
    store.database.exec('DROP TRIGGER fail_compaction');
    book.settle(reservation, { usd: 0.25, tokens: 100 }, entry(0.25), now);
    book.settle(reservation, { usd: 0.25, tokens: 100 }, entry(0.25), now);
    expect(book.totals('fleet', day)).toEqual({
      spentUsd: 0.25,
      spentTokens: 100,
      heldUsd: 0,
      heldTokens: 0,
    });
    expect(book.entries()).toHaveLength(1);
    expect(reservationRows()).toBe(0);
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
      upgradedBook.settle(booked, { usd: 0.05, tokens: 100 }, entry(0.05), now);
      expect(upgradedBook.totals('fleet', day)).toEqual({
        spentUsd: 0.05,
        spentTokens: 100,
        heldUsd: 0.1,
        heldTokens: 100,
      });
      expect(upgradedBook.entries()).toHaveLength(1);
    } finally {
      await upgraded.close();
    }
  });
});
