import type { StoreSet } from '../../spec/store-set.ts';
import { PgActionStore } from './pg-action-store.ts';
import { PgApprovalStore } from './pg-approval-store.ts';
import { PgAuditSearch } from './pg-audit-search.ts';
import { PgBatchStore } from './pg-batch-store.ts';
import { PgBreakerStore } from './pg-breaker-store.ts';
import { PgDeliveryStore } from './pg-delivery-store.ts';
import { redactUrl } from './pg-errors.ts';
import { PgOutcomeStore } from './pg-outcome-store.ts';
import { PgPullOutcomeStore } from './pg-pull-outcome-store.ts';
import { PgReportStore } from './pg-report-store.ts';
import { PgSpendStore } from './pg-spend-store.ts';
import { openPgStore } from './pg-store.ts';

/**
 * Connects to the PostgreSQL database at `url`, migrates it (refusing a schema newer than this Warden
 * knows), and returns every store on one pool.
 *
 * @throws UserError for a URL that cannot be read; SystemError `store-failed` when the database cannot
 *   be reached, refuses, or was migrated by a newer Warden.
 */
export async function openPgStores(url: string): Promise<StoreSet> {
  const store = await openPgStore(url);
  const pool = store.pool;
  return {
    engine: 'postgres',
    location: redactUrl(url),
    store,
    spend: new PgSpendStore(pool),
    breakers: new PgBreakerStore(pool),
    actions: new PgActionStore(pool),
    batches: new PgBatchStore(pool),
    outcomes: new PgOutcomeStore(pool),
    deliveries: new PgDeliveryStore(pool),
    pullOutcomes: new PgPullOutcomeStore(pool),
    reports: new PgReportStore(pool),
    audit: new PgAuditSearch(pool, url),
    approvals: (settings = {}) =>
      new PgApprovalStore(pool, settings.ttlMs === undefined ? {} : { ttlMs: settings.ttlMs }),
    close: () => store.close(),
  };
}
