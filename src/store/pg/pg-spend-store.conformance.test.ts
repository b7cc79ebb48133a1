import { afterAll, beforeAll } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { runSpendStoreConformance } from '../../testing/spend-store-conformance.ts';
import { PgSpendStore } from './pg-spend-store.ts';
import { openPgStore, type PgStore } from './pg-store.ts';

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

await runSpendStoreConformance({
  name: 'PostgreSQL spend store conformance',
  skipReason: server.skipReason,
  open: async () => {
    await database.reset();
    const store = await openPgStore(database.url);
    const opened: PgStore[] = [store];
    const sql = (text: string, parameters: unknown[] = []) => store.pool.query(text, parameters);
    return {
      book: new PgSpendStore(store.pool),
      openAgain: async () => {
        const again = await openPgStore(database.url);
        opened.push(again);
        return new PgSpendStore(again.pool);
      },
      writeWindow: async (scope, window, spentNanos) => {
        await sql(
          `INSERT INTO spend_windows (scope, time_window, spent_nanos) VALUES ($1, $2, $3)
           ON CONFLICT (scope, time_window) DO UPDATE SET spent_nanos = excluded.spent_nanos`,
          [scope, window, spentNanos.toString()],
        );
      },
      writeEntry: async (taskId, at, usdNanos) => {
        await sql(
          `INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
             input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
           VALUES ($1, $2, $3, 'k', 'v', $4, 1, 1, 1, 0, 0, 0)`,
          [taskId, at.slice(0, 10), at, usdNanos.toString()],
        );
      },
      reservationRows: async () =>
        Number((await sql('SELECT COUNT(*) AS count FROM spend_reservations')).rows[0].count),
      breakCompaction: async () => {
        // A real trigger makes the compaction step fail after the booking was written.
        await sql(`CREATE FUNCTION fail_compaction() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'disk went away'; END $$;
          CREATE TRIGGER fail_compaction BEFORE DELETE ON spend_reservations
          FOR EACH ROW EXECUTE FUNCTION fail_compaction();`);
        return async () => {
          await sql('DROP TRIGGER fail_compaction ON spend_reservations; DROP FUNCTION fail_compaction()');
        };
      },
      close: async () => {
        for (const each of opened) await each.close();
      },
    };
  },
});
