import type { StoreSet } from '../spec/store-set.ts';
import { SqliteActionStore } from './actions-store.ts';
import { SqliteApprovalStore } from './approvals-store.ts';
import { SqliteAuditSearch } from './audit-search.ts';
import { SqliteBatchStore } from './batch-store.ts';
import { SqliteBreakerStore } from './breaker-store.ts';
import { SqliteDeliveryStore } from './delivery-store.ts';
import { SqliteOutcomeStore } from './outcome-store.ts';
import { SqlitePullOutcomeStore } from './pull-outcome-store.ts';
import { SqliteReportStore } from './report-store.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

/** The embedded installation's stores, all in one SQLite file. */
export interface SqliteStoreSet extends StoreSet {
  readonly engine: 'sqlite';
  readonly store: SqliteStore;
}

/**
 * Opens (creating and migrating) the SQLite file at `path` and every store in it.
 *
 * @throws SystemError `store-failed` when the file cannot be opened or migrated.
 */
export function openSqliteStores(path: string): SqliteStoreSet {
  const store = openSqliteStore(path);
  const database = store.database;
  return {
    engine: 'sqlite',
    location: path,
    store,
    spend: new SqliteSpendStore(database),
    breakers: new SqliteBreakerStore(database),
    actions: new SqliteActionStore(database),
    batches: new SqliteBatchStore(database),
    outcomes: new SqliteOutcomeStore(database),
    deliveries: new SqliteDeliveryStore(database),
    pullOutcomes: new SqlitePullOutcomeStore(database),
    reports: new SqliteReportStore(database),
    audit: new SqliteAuditSearch(database),
    approvals: (settings = {}) =>
      new SqliteApprovalStore(database, settings.ttlMs === undefined ? {} : { ttlMs: settings.ttlMs }),
    close: () => store.close(),
  };
}
