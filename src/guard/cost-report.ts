import type { SpendEntryRow, TaskOutcome } from '../spec/index.ts';

/** How `warden cost` groups its figures. */
export type CostGrouping = 'agent' | 'model' | 'team' | 'day';

/** One task as the report counts it. */
export interface ReportTask {
  taskId: string;
  /** `undefined`: the task has not ended. */
  outcome: TaskOutcome | undefined;
  agent: string | null;
  team: string | null;
  earlyExit: boolean;
  day: string;
}

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
 * Builds the cost report of `entries` (priced calls) and `tasks`. `days` is the length of the period,
 * for the per-day figures.
 */
export function buildCostReport(input: {
  entries: readonly SpendEntryRow[];
  tasks: readonly ReportTask[];
  by: CostGrouping | undefined;
  since: string | null;
  days: number;
  valuePerSuccessUsd: number;
  setupCostUsd: number;
}): CostReport {
  const totals = figures(input.entries, input.tasks);
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
    const by = input.by;
    const keys = new Set<string>();
    const entryKey = (entry: SpendEntryRow) =>
      by === 'model'
        ? entry.priceKey
        : by === 'day'
          ? entry.day
          : ((by === 'agent' ? entry.agent : entry.team) ?? '-');
    const taskKey = (task: ReportTask) =>
      by === 'day' ? task.day : ((by === 'agent' ? task.agent : task.team) ?? '-');
    for (const entry of input.entries) keys.add(entryKey(entry));
    if (by !== 'model') for (const task of input.tasks) keys.add(taskKey(task));
    report.groups = [...keys].sort().map((key) => {
      const entries = input.entries.filter((entry) => entryKey(entry) === key);
      const taskIds = new Set(entries.map((entry) => entry.taskId));
      const tasks =
        by === 'model'
          ? input.tasks.filter((task) => taskIds.has(task.taskId))
          : input.tasks.filter((task) => taskKey(task) === key);
      return { key, ...figures(entries, tasks) };
    });
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

function figures(entries: readonly SpendEntryRow[], tasks: readonly ReportTask[]): CostFigures {
  let spendUsd = 0;
  let topTier = 0;
  const tiers: Record<string, number> = {};
  for (const entry of entries) {
    spendUsd += entry.usd;
    topTier += entry.topTierUsd ?? entry.usd;
    const tier = entry.tier ?? 'unranked';
    tiers[tier] = (tiers[tier] ?? 0) + 1;
  }
  const succeeded = tasks.filter((task) => task.outcome === 'succeeded').length;
  return {
    spendUsd,
    tasks: tasks.length,
    succeeded,
    unverified: tasks.filter((task) => task.outcome === 'unverified').length,
    costPerSuccessUsd: succeeded === 0 ? null : spendUsd / succeeded,
    topTierCounterfactualUsd: topTier,
    cacheHitRatio: cacheHitRatio(entries),
    tierShare: Object.fromEntries(
      Object.entries(tiers).map(([tier, count]) => [tier, count / entries.length]),
    ),
    earlyExits: {
      alreadyDone: tasks.filter((task) => task.earlyExit && task.outcome === 'already-done').length,
      notActionable: tasks.filter((task) => task.earlyExit && task.outcome === 'not-actionable').length,
    },
    calls: entries.length,
  };
}
