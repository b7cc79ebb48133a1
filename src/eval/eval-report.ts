/**
 * What `warden eval run` writes: one `TrialResult` per instance and epoch (`DIR/trials/ID/EPOCH.json`,
 * written once the trial has finished, so a rerun skips it), and `DIR/report.json`, an `EvalReport`.
 */

/** How one trial ended. `error`: the patch did not apply, or the tests could not be run. */
export type TrialStatus = 'resolved' | 'unresolved' | 'error' | 'empty_patch';

/** Where a run's patches came from. */
export type PatchSource = 'gold' | 'predictions' | 'agent';

/** Tests of one list (`FAIL_TO_PASS` or `PASS_TO_PASS`) that passed after the patch, and those that did not. */
export interface TestOutcome {
  passed: string[];
  /** Failed, errored, skipped, or never seen in the runner's output. */
  failed: string[];
}

/** One instance, one epoch. */
export interface TrialResult {
  instanceId: string;
  /** The instance's `repo` (`owner/name`): the cluster of the bootstrap in `compare`. */
  repo: string;
  /** 1-based. */
  epoch: number;
  status: TrialStatus;
  /** Why the trial is `error` (or what went wrong before the tests); absent otherwise. */
  error?: string | undefined;
  /** The patch that was evaluated (the prediction's, the gold one, or the agent's diff). */
  patch: string;
  failToPass: TestOutcome;
  passToPass: TestOutcome;
  /** The agent's task (`warden trace ID`); absent without an agent. */
  taskId?: string | undefined;
  /** How the agent's task ended (`succeeded`, `failed`, …); absent without an agent. */
  taskStatus?: string | undefined;
  /** Model spend of the trial in USD; 0 without an agent. */
  costUsd: number;
  /** Input plus output tokens (cache reads and writes included). */
  tokens: number;
  toolCalls: number;
  /** Tool calls that ended in an error. */
  toolErrors: number;
  /** Tool calls and actions that policy denied. */
  policyDenials: number;
  /** The task ended on a pre-check, before any model call. */
  earlyExit: boolean;
  /** The whole trial: agent, patch and tests. */
  wallMs: number;
  startedAt: string;
  finishedAt: string;
}

/** One instance over its epochs. */
export interface InstanceSummary {
  instanceId: string;
  repo: string;
  /** Epoch 1's status: the single-trial outcome SWE-bench's keys and McNemar's test use. */
  status: TrialStatus;
  trials: number;
  resolvedTrials: number;
  /** Resolved trials over trials. */
  passAt1: number;
  /** tau-bench's pass^k with k = trials: the chance that k trials all resolve it. */
  passHatK: number;
  costUsd: number;
  tokens: number;
  wallMsP50: number;
  toolCalls: number;
  toolErrors: number;
  policyDenials: number;
  earlyExits: number;
}

/** The run as a whole. */
export interface EvalTotals {
  trials: number;
  resolvedTrials: number;
  /** Mean over instances of their pass@1. */
  passAt1: number;
  /** pass^k for k = 1 … epochs, each the mean over instances (tau-bench's estimator). */
  passHatK: Record<string, number>;
  costUsd: number;
  /** All cost over resolved trials (failed attempts count); `null` when nothing resolved. */
  costPerResolvedUsd: number | null;
  tokens: number;
  wallMsP50: number;
  wallMsP95: number;
  /** Tool errors over tool calls; `null` without tool calls. */
  toolErrorRate: number | null;
  policyDenials: number;
  earlyExits: number;
}

/** `DIR/report.json`: SWE-bench's keys first (over epoch 1), then Warden's. */
export interface EvalReport {
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  empty_patch_ids: string[];
  schema_version: 2;
  warden: {
    suite: string;
    source: PatchSource;
    /** The agent and model spec; absent without an agent. */
    agent?: string | undefined;
    model?: string | undefined;
    epochs: number;
    startedAt: string;
    finishedAt: string;
    totals: EvalTotals;
    instances: InstanceSummary[];
  };
}
