export { matchesBranchPattern } from './branch-pattern.ts';
export type {
  BreakerCounter,
  BreakerKind,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  BreakerTransaction,
} from './breaker-store.ts';
export { canonicalHash, canonicalJson } from './canonical-hash.ts';
export type { Environment, EnvName } from './env.ts';
export { ENV } from './env.ts';
export type { ErrorCode, OpenBreakerNotice, WardenErrorOptions } from './errors.ts';
export {
  BreakerOpenError,
  describeError,
  SystemError,
  UnsupportedError,
  UserError,
  WardenError,
} from './errors.ts';
export type {
  Forge,
  OpenPullRequest,
  PullRequestReview,
  PullRequestUpdate,
  PushRequest,
  PushResult,
} from './forge.ts';
export type {
  ActionDecisionFields,
  ActionResultFields,
  EventFields,
  EventType,
  GuardStopFields,
  JournalEvent,
  JournalEventBase,
  JournalEventFields,
  JournaledToolCall,
  JournaledUsage,
  RunEndFields,
  ToolDecisionFields,
  UsageProblemFields,
} from './journal-events.ts';
export { EVENT_TYPES, isEventType } from './journal-events.ts';
export type {
  ModelClient,
  ModelProvider,
  ModelRequest,
  ModelTool,
  ModelTurn,
  PricedUsage,
  ProviderHealth,
  RouteDecision,
} from './model.ts';
export type { OutcomeStore, TaskOutcome, TaskOutcomeRow } from './outcome-store.ts';
export type { ActionRequest, PolicyDecider, PolicyDecision, PolicyEngine, PolicyResource } from './policy.ts';
export type {
  CostAggregate,
  CostGrouping,
  CostSummary,
  DecisionTallies,
  DecisionTally,
  ReportStore,
  SpendAggregate,
  TaskAggregate,
} from './report-store.ts';
export type { ExecOptions, ExecResult, SandboxDriver } from './sandbox.ts';
export { SANDBOX_WORKDIR } from './sandbox.ts';
export type {
  SpendEntry,
  SpendEntryRow,
  SpendReservation,
  SpendReserveOutcome,
  SpendStore,
  SpendTotals,
  SpendWindow,
  UnreadableSpendEntry,
} from './spend-store.ts';
export { NANOS_PER_USD, utcDay } from './spend-store.ts';
export type { NewTask, Store, TaskFilter, TaskUpdate } from './store.ts';
export { TASK_TRAILER, TRACE_TRAILER, taskTrailers } from './task-trailers.ts';
export type {
  Cost,
  Decision,
  DecisionKind,
  NormalizedUsage,
  StopReason,
  Task,
  TaskStatus,
  ToolCall,
} from './types.ts';
