import { afterAll, beforeAll } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { runStoreConformance } from '../../testing/store-conformance.ts';
import { runStoreStartConformance } from '../../testing/store-start-conformance.ts';
import { openPgStore } from './pg-store.ts';

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

const options: Parameters<typeof runStoreConformance>[0] = {
  name: 'PostgreSQL store conformance',
  skipReason: server.skipReason,
  open: async () => {
    await database.reset();
    return { store: await openPgStore(database.url), openAgain: () => openPgStore(database.url) };
  },
};
await runStoreConformance(options);
await runStoreStartConformance(options);
