import type { ActionStore, PullRequestStore } from './actions.ts';
import type { ApprovalStore } from './approvals.ts';
import type { AuditSearch } from './audit-search.ts';
import type { BatchBook } from './batches.ts';
import type { BreakerStore } from './breaker-store.ts';
import type { DeliveryStore } from './delivery-store.ts';
import type { OutcomeStore } from './outcome-store.ts';
import type { PullOutcomeStore } from './pull-outcome-store.ts';
import type { ReportStore } from './report-store.ts';
import type { SpendStore } from './spend-store.ts';
import type { Store } from './store.ts';

/** Which engine holds Warden's data. */
export type StoreEngine = 'sqlite' | 'postgres';

/**
 * Every store of one installation, on one engine: the embedded SQLite file, or PostgreSQL for a fleet.
 * Each member implements its interface the same way on both (their conformance suites say so); the
 * entry points never know which engine they use.
 */
export interface StoreSet {
  readonly engine: StoreEngine;
  /** Where the data is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  readonly store: Store;
  readonly spend: SpendStore;
  readonly breakers: BreakerStore;
  readonly actions: ActionStore & PullRequestStore;
  readonly batches: BatchBook;
  readonly outcomes: OutcomeStore;
  readonly deliveries: DeliveryStore;
  readonly pullOutcomes: PullOutcomeStore;
  readonly reports: ReportStore;
  readonly audit: AuditSearch;
  /** The approval requests, expiring after `ttlMs` (default 24 hours). */
  approvals(settings?: { ttlMs?: number | undefined }): ApprovalStore;
  /** Closes the database; later calls fail. */
  close(): Promise<void>;
}
