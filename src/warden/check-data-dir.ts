import path from 'node:path';
import type { Environment } from '../spec/env.ts';
import { openSqliteStore, SPEND_CHECKS, type StoreCheck, type StoreFinding } from '../store/index.ts';
import { resolveHome } from './data-dir.ts';

/** Every check `warden doctor` runs, in order. Append new ones here. */
const CHECKS: readonly StoreCheck[] = [...SPEND_CHECKS];

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
    return CHECKS.map((check) => ({
      name: check.name,
      description: check.description,
      findings: check.run(store.database, now),
    }));
  } finally {
    await store.close();
  }
}
