export { asActionDecider, toPolicyRequest } from './action-decider.ts';
export type { BacktestExample, BacktestReport } from './backtest-policy.ts';
export { backtestPolicy } from './backtest-policy.ts';
export type {
  CedarPolicyEngine,
  CedarPolicyEngineSettings,
  PolicyEvaluation,
  PolicyExplanation,
  PolicyPrincipal,
} from './cedar-policy-engine.ts';
export { createCedarPolicyEngine } from './cedar-policy-engine.ts';
export { defaultBundleDir } from './default-bundle-dir.ts';
export { declaresTaint } from './internal/taint-context.ts';
export type { BundlePolicy, PolicyBundle, PolicyBundleSource } from './load-policy-bundle.ts';
export { compilePolicyBundle, loadPolicyBundle } from './load-policy-bundle.ts';
export type { DecisionCounts, JournalOfTask, PolicyStats } from './policy-stats.ts';
export { policyStats, policyStatsOf } from './policy-stats.ts';
export type { PolicyTestFailure, PolicyTestReport } from './run-policy-tests.ts';
export { runPolicyTests } from './run-policy-tests.ts';
export type { ParsedShell, ShellCommand, ShellWord } from './shell-command.ts';
export type { ShellFacts } from './shell-facts.ts';
export { deriveShellFacts } from './shell-facts.ts';
export type { ShellParseLimits, ShellParser } from './shell-parser.ts';
export { createShellParser, DEFAULT_SHELL_PARSE_LIMITS } from './shell-parser.ts';
export type { PathPlace, ResolvedPath, WorkspacePaths } from './workspace-paths.ts';
export { createWorkspacePaths } from './workspace-paths.ts';
