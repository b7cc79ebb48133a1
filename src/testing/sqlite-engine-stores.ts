import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteActionStore } from '../store/actions-store.ts';
import { SqliteApprovalStore } from '../store/approvals-store.ts';
import { SqliteBatchStore } from '../store/batch-store.ts';
import { SqliteDeliveryStore } from '../store/delivery-store.ts';
import { SqliteOutcomeStore } from '../store/outcome-store.ts';
import { SqlitePullOutcomeStore } from '../store/pull-outcome-store.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';
import type { EngineStores, EngineStoresUnderTest } from './engine-stores.ts';

/** The SQLite stores of `store`'s open database. */
function storesOn(store: SqliteStore): EngineStores {
  return {
    store,
    approvals: (settings) => new SqliteApprovalStore(store.database, settings),
    actions: (settings) => new SqliteActionStore(store.database, settings),
    batches: (settings) => new SqliteBatchStore(store.database, settings),
    outcomes: () => new SqliteOutcomeStore(store.database),
    deliveries: (settings) => new SqliteDeliveryStore(store.database, settings),
    pullOutcomes: () => new SqlitePullOutcomeStore(store.database),
  };
}

/**
 * A fresh SQLite file in a temporary directory with every store on it; `openAgain` opens a second
 * connection to the file, as another process would. `cleanup` closes both and removes the directory.
 */
export async function openSqliteEngineStores(): Promise<EngineStoresUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), 'warden-engine-'));
  const file = join(directory, 'warden.db');
  const opened = [openSqliteStore(file)];
  return {
    ...storesOn(opened[0]!),
    openAgain: async () => {
      const again = openSqliteStore(file);
      opened.push(again);
      return storesOn(again);
    },
    cleanup: async () => {
      for (const store of opened.splice(0)) await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
