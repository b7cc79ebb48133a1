export { SqliteActionStore } from './actions-store.ts';
export type { ApprovalStoreSettings } from './approvals-store.ts';
export { approvalContentHash, DEFAULT_APPROVAL_TTL_MS, SqliteApprovalStore } from './approvals-store.ts';
export { SqliteBatchStore } from './batch-store.ts';
export type { BreakerCounter, BreakerKind, BreakerRecord, BreakerState } from './breaker-store.ts';
export { SqliteBreakerStore } from './breaker-store.ts';
export type { TaskOutcome, TaskOutcomeRow } from './outcome-store.ts';
export { SqliteOutcomeStore } from './outcome-store.ts';
export type { StoreCheck, StoreFinding } from './spend-checks.ts';
export { SPEND_CHECKS } from './spend-checks.ts';
export type {
  SpendEntry,
  SpendEntryRow,
  SpendReservation,
  SpendReserveOutcome,
  SpendWindow,
  UnreadableSpendEntry,
} from './spend-store.ts';
export {
  MAX_CALL_NANOS,
  MAX_CALL_TOKENS,
  NANOS_PER_USD,
  SqliteSpendStore,
  utcDay,
} from './spend-store.ts';
export { openSqliteStore, SqliteStore } from './sqlite-store.ts';
