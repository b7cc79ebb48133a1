import { runReportStoreConformance } from '../testing/report-store-conformance.ts';
import { openSqliteEngineStores } from '../testing/sqlite-engine-stores.ts';
import { SqliteReportStore } from './report-store.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { SqliteStore } from './sqlite-store.ts';

await runReportStoreConformance({
  name: 'SQLite report store conformance',
  open: async () => {
    const stores = await openSqliteEngineStores();
    if (!(stores.store instanceof SqliteStore))
      throw new Error('the SQLite engine stores hold no SqliteStore');
    const database = stores.store.database;
    return {
      ...stores,
      spend: new SqliteSpendStore(database),
      reports: new SqliteReportStore(database),
      execute: async (sql) => database.exec(sql),
    };
  },
});
