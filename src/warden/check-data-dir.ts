import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Environment } from '../spec/env.ts';
import { openSqliteStore, type StoreCheck, type StoreFinding, sqliteSpendChecks } from '../store/index.ts';
import { resolveHome } from './data-dir.ts';

/** Every check `warden doctor` runs on the embedded store, in order. Append new ones here. */
const checksOf = (database: DatabaseSync): readonly StoreCheck[] => [...sqliteSpendChecks(database)];

/** One check's result. */
export interface DataDirCheck {
  name: string;
  description: string;
  findings: StoreFinding[];
}

/**
 * Runs every store check on the data directory, reading only. Opens the store alone (no config, no
 * reaping), so a broken config or a damaged row never keeps the checks from running.
 */
export async function checkDataDir(options: {
  dataDir?: string | undefined;
  env: Environment;
}): Promise<DataDirCheck[]> {
  const store = openSqliteStore(path.join(resolveHome(options.dataDir, options.env), 'warden.db'));
  const now = new Date();
  try {
    const results: DataDirCheck[] = [];
    for (const check of checksOf(store.database)) {
      results.push({ name: check.name, description: check.description, findings: await check.run(now) });
    }
    return results;
  } finally {
    await store.close();
  }
}
