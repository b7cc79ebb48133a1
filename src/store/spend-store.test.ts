import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

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
    expect(spend.totals('task:dead', 'all').heldUsd).toBe(0);
    expect(spend.totals('task:alive', 'all').heldUsd).toBeCloseTo(0.1, 9);
    expect(spend.totals('agent:coder', '2026-12-02').heldUsd).toBeCloseTo(0.1, 9);
    expect(spend.releaseTaskReservations('dead', now)).toBe(0);
    expect(spend.totals('agent:coder', '2026-12-02').heldUsd).toBeCloseTo(0.1, 9);
  });
});
