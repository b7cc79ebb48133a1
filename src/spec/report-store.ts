import type { UnreadableSpendEntry } from './spend-store.ts';

/** How a cost summary groups its figures: by the call's agent, model (price key), team or UTC day. */
export type CostGrouping = 'agent' | 'model' | 'team' | 'day';

/** What a set of booked model calls spent, summed by the store. */
export interface SpendAggregate {
  calls: number;
  /**
   * Spend in USD. Summed in integer nano-dollars, so exact to the nano-dollar up to $9 million (2^53
   * nano-dollars), and within one part in 2^53 beyond.
   */
  spendUsd: number;
  /** What the same calls would have cost all on the top tier (a call's own cost where that is unknown). */
  topTierUsd: number;
  /** Uncached input tokens. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Calls per tier (`unranked` for a model the price table does not rank), in the order first booked. */
  callsByTier: { tier: string; calls: number }[];
}

/** How a set of tasks ended, counted by the store. */
export interface TaskAggregate {
  tasks: number;
  /** Tasks whose check passed on their change: the only successes. */
  succeeded: number;
  /** Tasks the model said it finished that no check verified. */
  unverified: number;
  /** Tasks a pre-check ended before any planner call, found already done. */
  earlyAlreadyDone: number;
  /** Tasks a pre-check ended before any planner call, found not actionable. */
  earlyNotActionable: number;
}

/** The spend and the tasks of a period, or of one group of it. */
export interface CostAggregate {
  spend: SpendAggregate;
  tasks: TaskAggregate;
}

/** What `costSummary` answers. */
export interface CostSummary {
  total: CostAggregate;
  /** With `groupBy`: one per key, in no particular order. */
  groups?: ({ key: string } & CostAggregate)[];
  /** When the period's first call was booked (else its first outcome recorded); `null`: neither. */
  firstAt: string | null;
}

/** The policy decisions counted for one key (an agent, a tool or a policy). */
export interface DecisionTally {
  key: string;
  allow: number;
  deny: number;
  ask: number;
}

/** What `decisionTallies` answers; the tallies in no particular order. */
export interface DecisionTallies {
  decisions: number;
  byAgent: DecisionTally[];
  byTool: DecisionTally[];
  byPolicy: DecisionTally[];
}

/**
 * The reports over what every task spent, how it ended and what the policy decided, aggregated where the data lives (the embedded
 * one: `SqliteReportStore`), so a report costs one pass over the period's rows, never a row per row.
 */
export interface ReportStore {
  /**
   * Spend and tasks of the period from `sinceAt` (ISO time; everything when undefined), in total and,
   * with `groupBy`, per key.
   *
   * The calls are the spend entries booked in the period (a call's day is the UTC day of its time). An entry that cannot be read exactly (an
   * amount out of range, written by an older version) is left out and passed to `onUnreadable`, once.
   *
   * The tasks are those that booked a call in the period or whose outcome was recorded in it. A task's
   * outcome is the one recorded in the period, else its status once it ended (none while it is running,
   * awaiting approval or interrupted). Its agent, team and day are its outcome's, else those of its first
   * call in the period (`-` when neither names one; day `''`).
   *
   * Grouped by agent, team or day, a call counts under its own key and a task under its own; a missing
   * agent or team is the key `-`. Grouped by model, a group's tasks are those that booked one of its calls.
   *
   * @throws SystemError `store-failed` when the store cannot be read.
   */
  costSummary(
    request: { sinceAt?: string | undefined; groupBy?: CostGrouping | undefined },
    onUnreadable?: (entry: UnreadableSpendEntry) => void,
  ): Promise<CostSummary>;
  /**
   * The `decision` journal events recorded at or after `sinceAt` (ISO time; all when undefined) of every
   * task, counted per agent (the `agent` of the task's first `task-start` event, else who requested it),
   * per tool and per policy (each id in the event's `policyIds`; `(none)` when it names none). An event
   * whose decision is not `allow`, `deny` or `ask` (an edited row) is not counted; a tool that is not
   * recorded counts as `(unknown)`.
   *
   * @throws SystemError `store-failed` when the store cannot be read.
   */
  decisionTallies(request: { sinceAt?: string | undefined }): Promise<DecisionTallies>;
}
