export { type CompareOptions, compareRuns, parseEvalReport, type RunComparison } from './compare-runs.ts';
export { type Prediction, parsePredictions } from './eval-predictions.ts';
export type {
  EvalReport,
  EvalTotals,
  InstanceSummary,
  PatchSource,
  TestOutcome,
  TrialResult,
  TrialStatus,
} from './eval-report.ts';
export { type EvalInstance, parseSuite, TEST_REPORTERS } from './eval-suite.ts';
export { type EvaluateSettings, evaluatePatch, type PatchEvaluation } from './evaluate-patch.ts';
export { type GateOptions, type GateResult, gateRuns, renderComparison } from './gate-runs.ts';
export {
  type AgentAttempt,
  type EvalProgress,
  type EvalRunSettings,
  type PatchProvider,
  runEval,
} from './run-eval.ts';
export { summarizeTrials } from './summarize-trials.ts';
