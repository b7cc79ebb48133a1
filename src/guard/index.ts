export type { BreakerEvent, BreakerSettings, CircuitBreakersSettings } from './circuit-breakers.ts';
export { CircuitBreakers, nextUtcMidnight } from './circuit-breakers.ts';
export type { CostFigures, CostGrouping, CostReport } from './cost-report.ts';
export { buildCostReport, cacheHitRatio } from './cost-report.ts';
export { describeOpenBreaker } from './describe-breaker.ts';
export type { WebhookTarget } from './post-webhook.ts';
export { breakerMessage, postWebhook } from './post-webhook.ts';
export type {
  AddedLine,
  ScanContext,
  SecretAllowance,
  SecretFinding,
  SecretScanner,
  SecretScannerSettings,
} from './secret-scan.ts';
export { createSecretScanner, describeSecretFinding } from './secret-scan.ts';
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
export type { GuardReserveResult, GuardStop, TaskGuardSettings } from './task-guard.ts';
export { TaskGuard } from './task-guard.ts';
export type {
  InstructionFinding,
  InstructionKind,
  InvisibleFinding,
  InvisibleKind,
  RevealedText,
  SpotlightOptions,
  UntrustedSource,
} from './untrusted-text.ts';
export {
  DATAMARK,
  findInstructionLike,
  revealInvisible,
  SPOTLIGHT_INSTRUCTIONS,
  spotlight,
} from './untrusted-text.ts';
