export type { AgentLoopResult, AgentLoopSettings, LoopLimits } from './agent-loop.ts';
export { runAgentLoop } from './agent-loop.ts';
export type { ApprovalGate, ApprovalStatus } from './approval-gate.ts';
export { checkDefinitionOf } from './check-definition.ts';
export type { TaskCheck } from './check-step.ts';
export type { CompactionSettings } from './compaction-step.ts';
export type { DetectedCheck } from './detect-check-command.ts';
export { detectCheckCommand } from './detect-check-command.ts';
export type { LocalizeSettings } from './localize-step.ts';
export type { EarlyExit, PreCheck } from './pre-checks.ts';
export { runPreChecks } from './pre-checks.ts';
export type { ReapResult, ReapSettings } from './reap-interrupted-tasks.ts';
export { reapInterruptedTasks } from './reap-interrupted-tasks.ts';
export {
  INTERRUPTED_CALL_OUTPUT,
  READ_ONLY_TOOLS,
  recordInterruptedCalls,
} from './record-interrupted-calls.ts';
export type { ResumeState } from './replay-journal.ts';
export { replayJournal } from './replay-journal.ts';
export type { RerankSettings } from './rerank-step.ts';
export type { CheckCommand } from './resolve-check-command.ts';
export { recordedCheckCommand, resolveCheckCommand } from './resolve-check-command.ts';
export type { CommandStage, ModelStage, PipelineStage } from './run-pipeline.ts';
export { resumeTask, runTask, startWorkspace } from './run-task.ts';
export type { ToolCallOutcome, ToolCallSettings } from './run-tool-call.ts';
export { runToolCall } from './run-tool-call.ts';
export type { StuckThresholds, StuckVerdict } from './stuck-detector.ts';
export { DEFAULT_STUCK_THRESHOLDS, StuckDetector } from './stuck-detector.ts';
export { SYSTEM_PROMPT } from './system-prompt.ts';
export { childrenOf, type TaskChild } from './task-children.ts';
export { newTaskId } from './task-id.ts';
export type { LimitChange, ResumeLimits, SandboxBounds, TaskLimits } from './task-limits.ts';
export { limitsForResume, parseRecordedLimits } from './task-limits.ts';
export { currentTaskOwner, isOwnerGone } from './task-owner.ts';
export type {
  NewTaskRequest,
  OrchestratorRuntime,
  RunTaskResult,
  SwarmRuntime,
  TaskRuntime,
} from './task-runtime.ts';
export { DEFAULT_TAINT_SETTINGS, DEFAULT_UNTRUSTED, type TaintSettings, TaskTaint } from './task-taint.ts';
export { taskStatusOf, verificationOf } from './task-verification.ts';
export { BUILTIN_TOOLS } from './tools/builtin-tools.ts';
export type {
  AnyToolDefinition,
  ToolContext,
  ToolDefinition,
  ToolResult,
  WorkspaceFiles,
} from './tools/tool.ts';
export { createWorkspaceFiles } from './tools/workspace-files.ts';
