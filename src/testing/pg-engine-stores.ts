import pg from 'pg';
import { PgActionStore } from '../store/pg/pg-action-store.ts';
import { PgApprovalStore } from '../store/pg/pg-approval-store.ts';
import { PgBatchStore } from '../store/pg/pg-batch-store.ts';
import { PgDeliveryStore } from '../store/pg/pg-delivery-store.ts';
import { PgOutcomeStore } from '../store/pg/pg-outcome-store.ts';
import { PgPullOutcomeStore } from '../store/pg/pg-pull-outcome-store.ts';
import { openPgStore } from '../store/pg/pg-store.ts';
import type { EngineStores, EngineStoresUnderTest } from './engine-stores.ts';
import type { TestDatabase } from './postgres-test-database.ts';

/**
 * `database` emptied and migrated afresh, with every PostgreSQL store on a pool of its own; `openAgain`
 * opens another store and pool on it, as another process would. `cleanup` ends them all.
 */
export async function openPgEngineStores(database: TestDatabase): Promise<EngineStoresUnderTest> {
  await database.reset();
  const closers: Array<() => Promise<void>> = [];
  const open = async (): Promise<EngineStores> => {
    const store = await openPgStore(database.url);
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    // An idle connection the server drops must not crash the test run.
    pool.on('error', () => {});
    closers.push(
      () => store.close(),
      () => pool.end(),
    );
    return {
      store,
      approvals: (settings) => new PgApprovalStore(pool, settings),
      actions: (settings) => new PgActionStore(pool, settings),
      batches: (settings) => new PgBatchStore(pool, settings),
      outcomes: () => new PgOutcomeStore(pool),
      deliveries: (settings) => new PgDeliveryStore(pool, settings),
      pullOutcomes: () => new PgPullOutcomeStore(pool),
    };
  };
  return {
    ...(await open()),
    openAgain: open,
    cleanup: async () => {
      for (const close of closers.splice(0)) await close();
    },
  };
}
