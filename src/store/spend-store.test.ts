import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemError } from '../spec/errors.ts';
import { SPEND_CHECKS } from './spend-checks.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

const now = new Date('2026-05-01T12:00:00.000Z');
const window = (limitUsd: number | null) => ({
  scope: 'fleet',
  window: '2026-05-01',
  limitUsd,
  limitTokens: null,
});
const entry = {
  taskId: 't1',
  agent: null,
  team: null,
  stage: null,
  priceKey: 'anthropic:claude-haiku-4-5',
  priceTableVersion: 'v',
  tier: null,
  batch: false,
  usd: 0,
  tokens: 0,
  input: 10,
  output: 5,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  topTierUsd: null,
};

let store: SqliteStore;
let book: SqliteSpendStore;

beforeEach(() => {
  store = openSqliteStore(':memory:');
  book = new SqliteSpendStore(store.database);
});
afterEach(() => store.close());

function hold(limitUsd: number | null = null) {
  const outcome = book.reserve({ windows: [window(limitUsd)], usd: 0.1, tokens: 100, now, ttlMs: 60_000 });
  if (!outcome.ok) throw new Error('refused');
  return outcome.reservation;
}

describe('SqliteSpendStore at its boundary', () => {
  it.each([
    ['a negative amount', { usd: -4.5, tokens: 10 }],
    ['an amount past the per-call cap', { usd: 7.5e8, tokens: 10 }],
    ['a token count past the cap', { usd: 1, tokens: 1e15 }],
    ['an amount that is not a number', { usd: Number.NaN, tokens: 10 }],
  ])('refuses to book %s, and books nothing', (_name, actual) => {
    const reservation = hold();
    expect(() => book.settle(reservation, actual, entry, now)).toThrow(SystemError);
    expect(book.totals('fleet', '2026-05-01')).toMatchObject({ spentUsd: 0, heldUsd: 0.1 });
    expect(book.entries()).toEqual([]);
  });

  it('refuses to book an entry whose counts are negative', () => {
    expect(() => book.settle(hold(), { usd: 0.01, tokens: 10 }, { ...entry, output: -50 }, now)).toThrow(
      /spend entry/,
    );
  });

  it('reads an out-of-range window as unreadable: refused under a limit, added to without one', () => {
    store.database
      .prepare('INSERT INTO spend_windows (scope, window, spent_nanos) VALUES (?, ?, ?)')
      .run('fleet', '2026-05-01', 750_000_000_000_000_000n);
    expect(book.totals('fleet', '2026-05-01')).toBeUndefined();
    const limited = book.reserve({ windows: [window(100)], usd: 0.1, tokens: 1, now, ttlMs: 60_000 });
    expect(limited).toMatchObject({ ok: false, limit: 'unreadable', scope: 'fleet' });
    expect(book.reserve({ windows: [window(null)], usd: 0.1, tokens: 1, now, ttlMs: 60_000 }).ok).toBe(true);
    expect(SPEND_CHECKS[0]?.run(store.database, now)).toHaveLength(1);
  });

  it('leaves an out-of-range entry out of what it reads, and says which', () => {
    book.settle(hold(), { usd: 0.01, tokens: 15 }, entry, now);
    store.database
      .prepare(
        `INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
           input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
         VALUES ('old', '2026-04-30', '2026-04-30T00:00:00.000Z', 'k', 'v', ?, 1, 1, 1, 0, 0, 0)`,
      )
      .run(750_000_000_000_000_000n);
    const skipped: string[] = [];
    const entries = book.entries({}, (bad) => skipped.push(`${bad.taskId}: ${bad.reason}`));
    expect(entries.map((row) => row.taskId)).toEqual(['t1']);
    expect(skipped).toEqual(['old: usd_nanos 750000000000000000 is not an integer between 0 and 2^53']);
  });
});

describe('releasing the reservations of a task whose process died', () => {
  let dir: string;
  let store: SqliteStore;
  let spend: SqliteSpendStore;
  const now = new Date('2026-12-02T12:00:00Z');
  const windows = (taskId: string) => [
    { scope: `task:${taskId}`, window: 'all', limitUsd: 1, limitTokens: null },
    { scope: 'agent:coder', window: '2026-12-02', limitUsd: 1, limitTokens: null },
  ];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'warden-spend-'));
    store = openSqliteStore(path.join(dir, 'warden.db'));
    spend = new SqliteSpendStore(store.database);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("frees only that task's holds, in its own window and in the shared ones, once", () => {
    spend.reserve({ windows: windows('dead'), usd: 0.25, tokens: 100, now, ttlMs: 3_600_000 });
    spend.reserve({ windows: windows('alive'), usd: 0.1, tokens: 50, now, ttlMs: 3_600_000 });
    expect(spend.releaseTaskReservations('dead', now)).toBe(1);
    expect(spend.totals('task:dead', 'all')?.heldUsd).toBe(0);
    expect(spend.totals('task:alive', 'all')?.heldUsd).toBeCloseTo(0.1, 9);
    expect(spend.totals('agent:coder', '2026-12-02')?.heldUsd).toBeCloseTo(0.1, 9);
    expect(spend.releaseTaskReservations('dead', now)).toBe(0);
    expect(spend.totals('agent:coder', '2026-12-02')?.heldUsd).toBeCloseTo(0.1, 9);
  });
});
