export type {
  AlertDiagnosis,
  DeliveryStore,
  StartedDelivery,
  WebhookDelivery,
} from '../spec/delivery-store.ts';
export type {
  BreakerCounter,
  BreakerKind,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  CostSummary,
  OutcomeStore,
  ReportStore,
  SpendEntry,
  SpendEntryRow,
  SpendReservation,
  SpendReserveOutcome,
  SpendStore,
  SpendTotals,
  SpendWindow,
  TaskOutcome,
  TaskOutcomeRow,
  UnreadableSpendEntry,
} from '../spec/index.ts';
export { utcDay } from '../spec/index.ts';
export type { PullOutcomeRow, PullOutcomeStore, PullState } from '../spec/pull-outcome-store.ts';
export { SqliteActionStore } from './actions-store.ts';
export type { ApprovalStoreSettings } from './approvals-store.ts';
export { approvalContentHash, DEFAULT_APPROVAL_TTL_MS, SqliteApprovalStore } from './approvals-store.ts';
export { SqliteAuditSearch } from './audit-search.ts';
export { SqliteBatchStore } from './batch-store.ts';
export { SqliteBreakerStore } from './breaker-store.ts';
export { SqliteDeliveryStore } from './delivery-store.ts';
export { openSqliteStores, type SqliteStoreSet } from './open-stores.ts';
export { SqliteOutcomeStore } from './outcome-store.ts';
export { PgActionStore } from './pg/pg-action-store.ts';
export { PgApprovalStore } from './pg/pg-approval-store.ts';
export { PgBatchStore } from './pg/pg-batch-store.ts';
export { PgBreakerStore } from './pg/pg-breaker-store.ts';
export { PgDeliveryStore } from './pg/pg-delivery-store.ts';
export { PgOutcomeStore } from './pg/pg-outcome-store.ts';
export { PgPullOutcomeStore } from './pg/pg-pull-outcome-store.ts';
export { PgReportStore } from './pg/pg-report-store.ts';
export { PgSpendStore } from './pg/pg-spend-store.ts';
export { SqlitePullOutcomeStore } from './pull-outcome-store.ts';
export { SqliteReportStore } from './report-store.ts';
export type { StoreCheck, StoreFinding } from './spend-checks.ts';
export { sqliteSpendChecks } from './spend-checks.ts';
export {
  MAX_CALL_NANOS,
  MAX_CALL_TOKENS,
  NANOS_PER_USD,
  SqliteSpendStore,
} from './spend-store.ts';
export { openSqliteStore, SqliteStore } from './sqlite-store.ts';
