import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSpendStoreConformance } from '../testing/spend-store-conformance.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

await runSpendStoreConformance({
  name: 'SQLite spend store conformance',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-spend-'));
    const file = path.join(dir, 'warden.db');
    const store = openSqliteStore(file);
    const opened: SqliteStore[] = [store];
    const database = store.database;
    return {
      book: new SqliteSpendStore(database),
      openAgain: async () => {
        const again = openSqliteStore(file);
        opened.push(again);
        return new SqliteSpendStore(again.database);
      },
      writeWindow: async (scope, window, spentNanos) => {
        database
          .prepare(
            `INSERT INTO spend_windows (scope, window, spent_nanos) VALUES (?, ?, ?)
             ON CONFLICT (scope, window) DO UPDATE SET spent_nanos = excluded.spent_nanos`,
          )
          .run(scope, window, spentNanos);
      },
      writeEntry: async (taskId, at, usdNanos) => {
        database
          .prepare(
            `INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
               input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
             VALUES (?, ?, ?, 'k', 'v', ?, 1, 1, 1, 0, 0, 0)`,
          )
          .run(taskId, at.slice(0, 10), at, usdNanos);
      },
      reservationRows: async () =>
        Number(
          (database.prepare('SELECT COUNT(*) AS count FROM spend_reservations').get() as { count: number })
            .count,
        ),
      breakCompaction: async () => {
        // A real SQLite trigger makes the compaction step fail after the booking was written.
        database.exec(
          `CREATE TRIGGER fail_compaction BEFORE DELETE ON spend_reservations
           BEGIN SELECT RAISE(ABORT, 'disk went away'); END`,
        );
        return async () => database.exec('DROP TRIGGER fail_compaction');
      },
      close: async () => {
        for (const each of opened) await each.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
