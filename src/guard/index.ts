export type { BreakerEvent, BreakerSettings, CircuitBreakersSettings } from './circuit-breakers.ts';
export { CircuitBreakers, nextUtcMidnight } from './circuit-breakers.ts';
export type { CostFigures, CostGrouping, CostReport, ReportTask } from './cost-report.ts';
export { buildCostReport } from './cost-report.ts';
export { createFixedRules } from './fixed-rules.ts';
export type { WebhookTarget } from './post-webhook.ts';
export { breakerMessage, postWebhook } from './post-webhook.ts';
export type {
  LedgerReservation,
  LedgerReserveResult,
  SpendDetails,
  SpendLedgerSettings,
  SpendLimits,
  SpendScopeKind,
  SpendScopes,
} from './spend-ledger.ts';
export { breakerScopesOf, SpendLedger } from './spend-ledger.ts';
export type { Reservation, ReserveResult, TaskLimits } from './task-budget.ts';
export { TaskBudget } from './task-budget.ts';
