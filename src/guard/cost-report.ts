import type { CostAggregate, CostGrouping, CostSummary } from '../spec/index.ts';

export type { CostGrouping };

/** Figures for a set of calls and tasks. */
export interface CostFigures {
  spendUsd: number;
  tasks: number;
  /** Tasks whose check passed on their change: the only ones counted as successes. */
  succeeded: number;
  /** Tasks the model said it finished that no check verified: not successes. */
  unverified: number;
  /** Spend divided by successful (verified) tasks; `null` when none succeeded. */
  costPerSuccessUsd: number | null;
  /** What the same calls would have cost all on the top tier. */
  topTierCounterfactualUsd: number;
  /** Input tokens read from a prompt cache over all input tokens; `null` when there was no input. */
  cacheHitRatio: number | null;
  /** Share of calls per tier (`unranked` for models the table does not rank). */
  tierShare: Record<string, number>;
  /** Tasks ended by a pre-check before any planner call, by outcome. */
  earlyExits: { alreadyDone: number; notActionable: number };
  calls: number;
}

/** The whole report, as `warden cost --json` prints it. */
export interface CostReport extends CostFigures {
  since: string | null;
  days: number;
  economics: {
    valuePerSuccessUsd: number;
    /** Value of the successes minus the spend. */
    netValueUsd: number;
    netValuePerDayUsd: number;
    /** Days until the net value pays back the setup cost; `null` when it never does. */
    paybackDays: number | null;
  };
  groups?: ({ key: string } & CostFigures)[];
}

/**
 * Builds the cost report of a period from its summary (what the store aggregated: `ReportStore.costSummary`).
 * `days` is the length of the period, for the per-day figures. Groups come sorted by key.
 */
export function buildCostReport(input: {
  summary: CostSummary;
  by: CostGrouping | undefined;
  since: string | null;
  days: number;
  valuePerSuccessUsd: number;
  setupCostUsd: number;
}): CostReport {
  const totals = figures(input.summary.total);
  const netValueUsd = totals.succeeded * input.valuePerSuccessUsd - totals.spendUsd;
  const netValuePerDayUsd = netValueUsd / Math.max(input.days, 1);
  const report: CostReport = {
    since: input.since,
    days: input.days,
    ...totals,
    economics: {
      valuePerSuccessUsd: input.valuePerSuccessUsd,
      netValueUsd,
      netValuePerDayUsd,
      paybackDays:
        input.setupCostUsd === 0 ? 0 : netValuePerDayUsd > 0 ? input.setupCostUsd / netValuePerDayUsd : null,
    },
  };
  if (input.by !== undefined) {
    report.groups = [...(input.summary.groups ?? [])]
      .sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
      .map((group) => ({ key: group.key, ...figures(group) }));
  }
  return report;
}

/**
 * Input tokens read from a prompt cache over all input tokens (uncached, cache reads and cache writes)
 * of these calls; `null` when they had no input.
 */
export function cacheHitRatio(
  calls: Iterable<{ input: number; cacheRead: number; cacheWrite: number }>,
): number | null {
  let cached = 0;
  let input = 0;
  for (const call of calls) {
    cached += call.cacheRead;
    input += call.input + call.cacheRead + call.cacheWrite;
  }
  return input === 0 ? null : cached / input;
}

function figures({ spend, tasks }: CostAggregate): CostFigures {
  const input = spend.inputTokens + spend.cacheReadTokens + spend.cacheWriteTokens;
  return {
    spendUsd: spend.spendUsd,
    tasks: tasks.tasks,
    succeeded: tasks.succeeded,
    unverified: tasks.unverified,
    costPerSuccessUsd: tasks.succeeded === 0 ? null : spend.spendUsd / tasks.succeeded,
    topTierCounterfactualUsd: spend.topTierUsd,
    cacheHitRatio: input === 0 ? null : spend.cacheReadTokens / input,
    tierShare: Object.fromEntries(spend.callsByTier.map(({ tier, calls }) => [tier, calls / spend.calls])),
    earlyExits: { alreadyDone: tasks.earlyAlreadyDone, notActionable: tasks.earlyNotActionable },
    calls: spend.calls,
  };
}
