import type { Environment } from '../spec/env.ts';
import type { StoreEngine } from '../spec/store-set.ts';
import { resolveHome } from './data-dir.ts';
import { openStores } from './open-stores.ts';

/** What `warden migrate` did. */
export interface MigrationReport {
  engine: StoreEngine;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  location: string;
  /** The migrations this run applied, in order; empty when the schema was already current. */
  applied: number[];
  /** The schema version now. */
  version: number;
}

/**
 * Brings the store `database` names (else the data directory's SQLite file) to this Warden's schema,
 * applying pending migrations forward, each in its own transaction (concurrent runs apply each once), and
 * says which ran. Opens nothing else: no config is read, no task is reaped.
 *
 * @throws SystemError `store-failed` when the database cannot be reached, or was migrated by a newer
 *   Warden (it is left as it is).
 */
export async function migrateStore(options: {
  dataDir?: string | undefined;
  database?: string | undefined;
  env: Environment;
}): Promise<MigrationReport> {
  const startedAt = new Date().toISOString();
  const stores = await openStores(options.database, resolveHome(options.dataDir, options.env));
  try {
    const migrations = await stores.store.schemaMigrations();
    return {
      engine: stores.engine,
      location: stores.location,
      applied: migrations
        .filter((migration) => migration.appliedAt >= startedAt)
        .map((migration) => migration.version),
      version: migrations.at(-1)?.version ?? 0,
    };
  } finally {
    await stores.close();
  }
}
