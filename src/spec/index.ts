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
export type { ActionRequest, PolicyDecider, PolicyDecision, PolicyEngine, PolicyResource } from './policy.ts';
export type { ExecOptions, ExecResult, SandboxDriver } from './sandbox.ts';
export { SANDBOX_WORKDIR } from './sandbox.ts';
export type { NewTask, Store, TaskFilter, TaskUpdate } from './store.ts';
export { TASK_TRAILER, TRACE_TRAILER, taskTrailers } from './task-trailers.ts';
export type {
  Cost,
  Decision,
  DecisionKind,
  EventType,
  JournalEvent,
  JournalEventBase,
  NormalizedUsage,
  StopReason,
  Task,
  TaskStatus,
  ToolCall,
} from './types.ts';
export { EVENT_TYPES } from './types.ts';
