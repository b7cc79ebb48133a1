import { afterAll, beforeAll } from 'vitest';
import { openPgEngineStores } from '../../testing/pg-engine-stores.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { runReportStoreConformance } from '../../testing/report-store-conformance.ts';
import { PgReportStore } from './pg-report-store.ts';
import { PgSpendStore } from './pg-spend-store.ts';
import { PgStore } from './pg-store.ts';

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

await runReportStoreConformance({
  name: 'PostgreSQL report store conformance',
  skipReason: server.skipReason,
  open: async () => {
    const stores = await openPgEngineStores(database);
    if (!(stores.store instanceof PgStore)) throw new Error('the PostgreSQL engine stores hold no PgStore');
    const pool = stores.store.pool;
    return {
      ...stores,
      spend: new PgSpendStore(pool),
      reports: new PgReportStore(pool),
      execute: async (sql) => {
        await pool.query(sql);
      },
    };
  },
});
