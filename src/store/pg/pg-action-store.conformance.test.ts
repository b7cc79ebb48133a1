import { afterAll, beforeAll } from 'vitest';
import { runActionStoreConformance } from '../../testing/action-store-conformance.ts';
import { openPgEngineStores } from '../../testing/pg-engine-stores.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

await runActionStoreConformance({
  name: 'PostgreSQL action store conformance',
  skipReason: server.skipReason,
  open: () => openPgEngineStores(database),
});
