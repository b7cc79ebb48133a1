/** A task's lifecycle as the store records it. */
export type TaskStatus =
  | 'running'
  | 'awaiting_approval'
  /** The model finished and the task's check passed on its change. */
  | 'succeeded'
  /** The model said it was finished but no check ran (`agent.check: none`, or none was found): not a success. */
  | 'unverified'
  | 'failed'
  | 'stopped'
  /** Its process died mid-task (killed, crashed, host rebooted); `warden resume` continues it while its workspace is kept. */
  | 'interrupted'
  /** A pre-check found the work already done, before any planner call. */
  | 'already-done'
  /** A pre-check found nothing to act on, before any planner call. */
  | 'not-actionable'
  /** Its change held a secret (`secret-detected`): no branch was made, nothing was delivered. */
  | 'blocked';

/**
 * How a task's work was verified: its check ran and `passed` or `failed` (the last run counts), or no
 * check ran (`none`). Only `passed` can make a task `succeeded`.
 */
export type Verification = 'passed' | 'failed' | 'none';

/** Why the agent loop ended. `finished` is the only reason that can lead to `succeeded`. */
export type StopReason =
  | 'finished'
  | 'max-steps'
  | 'wall-time'
  | 'budget'
  | 'budget-daily'
  | 'breaker'
  | 'stuck'
  | 'check-failed'
  | 'approved-call-failed'
  | 'already-done'
  | 'not-actionable'
  | 'awaiting-approval'
  | 'model-error'
  /** The secret scan found a secret in the change; the task ends `blocked`. */
  | 'secret-found'
  | 'error';

/**
 * The stops a task can be resumed from once the limit is raised: its workspace is kept (no branch yet)
 * for `recovery.keepInterruptedHours`. A breaker, a stuck loop or a failure is not a limit to raise.
 */
export const RESUMABLE_STOPS: ReadonlySet<StopReason> = new Set<StopReason>([
  'max-steps',
  'wall-time',
  'budget',
  'budget-daily',
]);

/**
 * The process that runs a task, so a later start of Warden can tell a task that is still running from
 * one whose process is gone. The pid alone is not enough (pids are reused), so the process start time
 * in clock ticks since boot (`/proc/<pid>/stat` field 22) and the boot id are kept with it.
 */
export interface TaskOwner {
  host: string;
  pid: number;
  /** `/proc/sys/kernel/random/boot_id`; `null` where there is none (not Linux). */
  bootId: string | null;
  /** Start time of the process in clock ticks after boot; `null` where it cannot be read. */
  startTicks: string | null;
}

export interface Task {
  id: string;
  /** What the agent was asked to do, in the user's words. */
  prompt: string;
  /** Absolute path of the user's repository. */
  repo: string;
  /** The commit the task started from. */
  baseCommit: string;
  /** The model as the user named it, e.g. `anthropic:claude-opus-4-7` or `scripted:demo.yaml`. */
  model: string;
  /** Who started the task (a local user name, a webhook sender...). */
  requestedBy: string;
  status: TaskStatus;
  stopReason: StopReason | null;
  /** The branch holding the result, once there is one. */
  branch: string | null;
  steps: number;
  costUsd: number;
  createdAt: string;
  endedAt: string | null;
  /** Seq of the last journal event, written in the same transaction as that event (0: none yet). */
  headSeq: number;
  /** Hash of the last journal event (`GENESIS_HASH` when there is none). */
  headHash: string;
  /** The process running the task; `null` for tasks recorded before owners were. */
  owner: TaskOwner | null;
  /** An interrupted task can be resumed until then; afterwards its workspace is removed. */
  resumableUntil: string | null;
  /**
   * A fleet worker's lease on the running task: its worker renews it while alive; once it has passed,
   * any worker may take the task over and resume it from the journal. `null` where no worker leases it
   * (one machine), where the owner's process is checked instead.
   */
  leaseUntil: string | null;
}

/** A tool call as the model asked for it. */
export interface ToolCall {
  id: string;
  name: string;
  /** The parsed arguments; the raw text the model sent when they were not valid JSON (see `inputError`). */
  input: unknown;
  /** Why the arguments could not be parsed as JSON; undefined when they could. */
  inputError?: string;
}

export type DecisionKind = 'allow' | 'deny' | 'ask';

export interface Decision {
  decision: DecisionKind;
  /** Human-readable reasons, one per rule that spoke. */
  reasons: string[];
  /** Identifiers of the rules or policies that made the decision. */
  policyIds: string[];
}

/** Token counts normalised across vendors. `input` excludes cache reads and writes. */
export interface NormalizedUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface Cost {
  usd: number;
  /** Version of the price table that produced the figure, so a call can be re-priced later. */
  priceTableVersion: string;
  /** The price-table entry used (`anthropic:claude-opus-4-7`). */
  priceKey: string;
}
