import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, SqliteReportStore, SqliteSpendStore } from '../../src/store/index.ts';
import { scratch } from '../support/cli.ts';

const work = scratch('reservation-crash');
afterAll(work.cleanup);

const STORE_URL = pathToFileURL(path.resolve(import.meta.dirname, '../../src/store/index.ts')).href;

/**
 * A worker that books model calls as fast as it can (reserve, then settle with an entry, each in its own
 * transaction), saying how many it has settled after each.
 */
const WORKER = `
  const { openSqliteStore, SqliteSpendStore } = await import(${JSON.stringify(STORE_URL)});
  const store = openSqliteStore(process.argv[1]);
  const book = new SqliteSpendStore(store.database);
  const windows = [
    { scope: 'task:crash', window: 'all', limitUsd: 1000, limitTokens: null },
    { scope: 'fleet', window: '2026-12-02', limitUsd: 1000, limitTokens: null },
  ];
  const now = new Date('2026-12-02T12:00:00.000Z');
  for (let call = 1; ; call++) {
    const held = await book.reserve({ windows, usd: 0.05, tokens: 500, now, ttlMs: 3_600_000 });
    if (!held.ok) throw new Error('refused');
    const usd = (call % 7) / 1000;
    await book.settle(held.reservation, { usd, tokens: 120 }, {
      taskId: 'crash', agent: 'coder', team: null, stage: null, priceKey: 'k', priceTableVersion: 'v',
      tier: 'mid', batch: false, usd, tokens: 120, input: 100, output: 20, cacheRead: 0, cacheWrite: 0,
      cacheWrite1h: 0, topTierUsd: null,
    }, now);
    process.stdout.write('settled ' + call + '\\n');
  }
`;

/** Starts the worker on `file` and kills it with SIGKILL once it has settled `calls` calls. */
function killAfter(file: string, calls: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let settled = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const last = /settled (\d+)\n$/.exec(chunk.toString());
      if (last) settled = Number(last[1]);
      if (settled >= calls) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(settled) : reject(new Error(`worker ended on its own: ${stderr}`)),
    );
  });
}

describe('a worker killed while booking calls', () => {
  it('leaves windows, entries and rollups agreeing: nothing lost, nothing counted twice, no settled rows', async () => {
    const file = path.join(work.dir, 'warden.db');
    openSqliteStore(file).close();
    let settled = 0;
    for (let round = 0; round < 3; round++) settled = await killAfter(file, 40 * (round + 1));
    expect(settled).toBeGreaterThanOrEqual(120);

    const store = openSqliteStore(file);
    try {
      const db = store.database;
      const sum = (sql: string) => db.prepare(sql).get() as Record<string, number>;
      const entries = sum(
        `SELECT COUNT(*) AS calls, TOTAL(usd_nanos) AS nanos, TOTAL(tokens) AS tokens FROM spend_entries`,
      );
      const held = sum(
        `SELECT COUNT(*) AS rows, TOTAL(nanos) AS nanos, TOTAL(tokens) AS tokens FROM spend_reservations WHERE state = 'held'`,
      );
      expect(sum('SELECT COUNT(*) AS rows FROM spend_reservations').rows).toBe(held.rows);
      // At most one call per killed worker was in flight (reserved, not yet settled).
      expect(held.rows).toBeLessThanOrEqual(3);
      for (const [scope, window] of [
        ['task:crash', 'all'],
        ['fleet', '2026-12-02'],
      ] as const) {
        const row = db
          .prepare(
            'SELECT spent_nanos, spent_tokens, held_nanos, held_tokens FROM spend_windows WHERE scope = ? AND window = ?',
          )
          .get(scope, window) as Record<string, number>;
        expect(row, `${scope} ${window}`).toEqual({
          spent_nanos: entries.nanos,
          spent_tokens: entries.tokens,
          held_nanos: held.nanos,
          held_tokens: held.tokens,
        });
      }
      const summary = await new SqliteReportStore(db).costSummary({});
      expect(summary.total.spend.calls).toBe(entries.calls);
      expect(summary.total.spend.spendUsd).toBe((entries.nanos ?? 0) / 1e9);

      const book = new SqliteSpendStore(db);
      expect(await book.releaseTaskReservations('crash', new Date('2026-12-02T12:00:01.000Z'))).toBe(
        held.rows,
      );
      expect(await book.totals('fleet', '2026-12-02')).toMatchObject({ heldUsd: 0, heldTokens: 0 });
      expect(sum('SELECT COUNT(*) AS rows FROM spend_reservations').rows).toBe(0);
    } finally {
      await store.close();
    }
  });
});
