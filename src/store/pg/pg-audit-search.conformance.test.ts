import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { runAuditSearchConformance } from '../../testing/audit-search-conformance.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { PgAuditSearch } from './pg-audit-search.ts';
import { openPgStore } from './pg-store.ts';

const server = postgresForTests();
let database: TestDatabase;
const pools = new Map<object, pg.Pool>();

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

await runAuditSearchConformance({
  name: 'PostgreSQL audit search',
  skipReason: server.skipReason,
  open: async () => {
    await database.reset();
    const store = await openPgStore(database.url);
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const underTest = { store, search: new PgAuditSearch(pool, database.url) };
    pools.set(underTest, pool);
    return underTest;
  },
  close: async (underTest) => {
    await underTest.store.close();
    await pools.get(underTest)?.end();
  },
});
