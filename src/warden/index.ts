// The types entry points print from, so that they need no other module.
export type { Delivery } from '../actions/index.ts';
export { childrenOf, newTaskId, type TaskChild } from '../agent/index.ts';
export { starterConfig } from '../config/index.ts';
export type { EvalProgress, EvalReport } from '../eval/index.ts';
export { type GateResult, type RunComparison, renderComparison } from '../eval/index.ts';
export type { CostGrouping, CostReport } from '../guard/index.ts';
export type { ModelPrice, PriceTable } from '../model/index.ts';
export type { DiffStat, SkippedPath } from '../sandbox/index.ts';
export type { AuditMatch, AuditQuery } from '../spec/audit-search.ts';
export type { BreakerRecord } from '../store/index.ts';
export type { AuditAction, AuditReport } from './audit.ts';
export type { DataDirCheck } from './check-data-dir.ts';
export { checkDataDir } from './check-data-dir.ts';
export {
  type Localization,
  type LocalizeCommandRequest,
  type LocalizedFile,
  type LocalizedSymbol,
  localizeRepository,
} from './context-localize.ts';
export { mapRepository, type RepoMap, type RepoMapCommandRequest } from './context-operations.ts';
export { type ContextSearchReport, type ContextSearchRequest, searchRepository } from './context-search.ts';
export { type BrokenJournal, copyStore, type StoreCopyReport } from './copy-store.ts';
export type { CostReportRequest } from './cost-report.ts';
export type { WardenOptions } from './create-warden.ts';
export { createWarden } from './create-warden.ts';
export { resolveConfigPath, resolveHome } from './data-dir.ts';
export type { ShadowResult } from './deliver-task.ts';
export { createDemoRepository, DEMO_TASK } from './demo-repository.ts';
export { type ComparisonRequest, compareEvalRuns, gateEvalRuns } from './eval-comparison.ts';
export { type EvalRunRequest, runEvalSuite } from './eval-operations.ts';
export { type PromotedInstance, type PromoteRequest, type Promotion, promoteTask } from './eval-promote.ts';
export {
  type FleetWorker,
  type FleetWorkerSettings,
  goOnIfDecided,
  startFleetWorker,
} from './fleet-worker.ts';
export type { GithubDelivery, TriggerDecision } from './github-trigger.ts';
export type { AgentSummary } from './list-agents.ts';
export { checkAgents, listAgents } from './list-agents.ts';
export { sortedModels } from './list-models.ts';
export { type MigrationReport, migrateStore } from './migrate-store.ts';
export type { OutcomeCounts, OutcomeReport } from './outcome-report.ts';
export type { BundleSummary, ExplainRequest, PolicyStats, PolicyTestReport } from './policy-operations.ts';
export {
  backtestBundle,
  checkPolicyBundle,
  defaultBundleDir,
  explainToolCall,
  policyStats,
  runPolicyTests,
} from './policy-operations.ts';
export type { ResumeOptions, TaskHooks, TaskRequest, TaskResult } from './task-operations.ts';
export { wardenVersion } from './version.ts';
export type { PolicyJournal, TaskDetails, TraceView, Warden } from './warden.ts';
