import type { Pool } from 'pg';
import { SystemError } from '../../spec/errors.ts';
import { PG_MIGRATIONS } from './migrations.ts';

/** The advisory lock that serialises migrations, so two processes opening one database at once wait. */
const MIGRATION_LOCK = 0x77617264; // "ward"

/**
 * Applies the pending migrations of `migrations`, each in its own transaction under an advisory lock and
 * recorded in `schema_migrations`. Throws `SystemError('store-failed')` when the database was migrated
 * by a newer Warden (a schema version this one does not know).
 */
export async function migratePg(pool: Pool, migrations: readonly string[] = PG_MIGRATIONS): Promise<void> {
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      const { rows } = await client.query<{ version: number | null }>(
        'SELECT MAX(version) AS version FROM schema_migrations',
      );
      const current = rows[0]?.version ?? 0;
      if (current > migrations.length) {
        throw new SystemError(
          'store-failed',
          `the database was written by a newer Warden (schema ${current}, this one knows ${migrations.length})`,
          { hint: 'upgrade Warden, or point --db at another database' },
        );
      }
      if (current === migrations.length) {
        await client.query('COMMIT');
        return;
      }
      await client.query(migrations[current]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        current + 1,
        new Date().toISOString(),
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
