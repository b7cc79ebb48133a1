import { afterAll, beforeAll } from 'vitest';
import { runBreakerStoreConformance } from '../../testing/breaker-store-conformance.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { PgBreakerStore } from './pg-breaker-store.ts';
import { openPgStore, type PgStore } from './pg-store.ts';

const server = postgresForTests();
let database: TestDatabase;

beforeAll(async () => {
  if (server.url) database = await createTestDatabase(server.url);
});
afterAll(async () => {
  await database?.drop();
});

await runBreakerStoreConformance({
  name: 'PostgreSQL breaker store conformance',
  skipReason: server.skipReason,
  open: async () => {
    await database.reset();
    const opened: PgStore[] = [await openPgStore(database.url)];
    return {
      book: new PgBreakerStore(opened[0]!.pool),
      openAgain: async () => {
        const again = await openPgStore(database.url);
        opened.push(again);
        return new PgBreakerStore(again.pool);
      },
      close: async () => {
        for (const each of opened) await each.close();
      },
    };
  },
});
