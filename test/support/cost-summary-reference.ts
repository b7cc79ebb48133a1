import type {
  CostAggregate,
  CostGrouping,
  CostSummary,
  SpendEntryRow,
  TaskOutcome,
  TaskOutcomeRow,
  TaskStatus,
} from '../../src/spec/index.ts';

/** One task as the reference counts it. */
export interface ReferenceTask {
  taskId: string;
  /** `undefined`: the task has not ended. */
  outcome: TaskOutcome | TaskStatus | undefined;
  agent: string | null;
  team: string | null;
  earlyExit: boolean;
  day: string;
}

const NANOS_PER_USD = 1_000_000_000;

/**
 * The contract of `ReportStore.costSummary` computed the plain way, in memory over every row (as
 * `warden cost` did before the store aggregated): the period's readable entries (oldest first), its
 * outcomes (oldest first) and each task's stored status. A store's `costSummary` must answer the same.
 */
export function referenceCostSummary(input: {
  entries: readonly SpendEntryRow[];
  outcomes: readonly TaskOutcomeRow[];
  status: (taskId: string) => TaskStatus | undefined;
  by: CostGrouping | undefined;
}): CostSummary {
  const { entries } = input;
  const outcomes = new Map(input.outcomes.map((outcome) => [outcome.taskId, outcome]));
  const taskIds = new Set([
    ...entries.map((entry) => entry.taskId).filter((id) => id !== null),
    ...outcomes.keys(),
  ]);
  const tasks: ReferenceTask[] = [...taskIds].map((taskId) => {
    const outcome = outcomes.get(taskId);
    const first = entries.find((entry) => entry.taskId === taskId);
    const status = outcome ? undefined : input.status(taskId);
    return {
      taskId,
      outcome:
        outcome?.outcome ??
        (status && status !== 'running' && status !== 'awaiting_approval' && status !== 'interrupted'
          ? status
          : undefined),
      agent: outcome?.agent ?? first?.agent ?? null,
      team: outcome?.team ?? first?.team ?? null,
      earlyExit: outcome?.earlyExit ?? false,
      day: outcome?.day ?? first?.day ?? '',
    };
  });
  return summarizeCosts(entries, tasks, input.by, entries[0]?.at ?? input.outcomes[0]?.at ?? null);
}

/** The summary of these calls and tasks, grouped as the contract says. */
export function summarizeCosts(
  entries: readonly SpendEntryRow[],
  tasks: readonly ReferenceTask[],
  by: CostGrouping | undefined,
  firstAt: string | null = null,
): CostSummary {
  const summary: CostSummary = { total: aggregate(entries, tasks), firstAt };
  if (by === undefined) return summary;
  const entryKey = (entry: SpendEntryRow) =>
    by === 'model'
      ? entry.priceKey
      : by === 'day'
        ? entry.day
        : ((by === 'agent' ? entry.agent : entry.team) ?? '-');
  const taskKey = (task: ReferenceTask) =>
    by === 'day' ? task.day : ((by === 'agent' ? task.agent : task.team) ?? '-');
  const keys = new Set(entries.map(entryKey));
  if (by !== 'model') for (const task of tasks) keys.add(taskKey(task));
  summary.groups = [...keys].map((key) => {
    const grouped = entries.filter((entry) => entryKey(entry) === key);
    const taskIds = new Set(grouped.map((entry) => entry.taskId));
    const groupTasks =
      by === 'model'
        ? tasks.filter((task) => taskIds.has(task.taskId))
        : tasks.filter((task) => taskKey(task) === key);
    return { key, ...aggregate(grouped, groupTasks) };
  });
  return summary;
}

function aggregate(entries: readonly SpendEntryRow[], tasks: readonly ReferenceTask[]): CostAggregate {
  const tiers = new Map<string, number>();
  let spendNanos = 0;
  let topTierNanos = 0;
  for (const entry of entries) {
    const nanos = Math.round(entry.usd * NANOS_PER_USD);
    spendNanos += nanos;
    topTierNanos += entry.topTierUsd === null ? nanos : Math.round(entry.topTierUsd * NANOS_PER_USD);
    const tier = entry.tier ?? 'unranked';
    tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
  }
  const counted = (test: (task: ReferenceTask) => boolean) => tasks.filter(test).length;
  return {
    spend: {
      calls: entries.length,
      spendUsd: spendNanos / NANOS_PER_USD,
      topTierUsd: topTierNanos / NANOS_PER_USD,
      inputTokens: entries.reduce((sum, entry) => sum + entry.input, 0),
      cacheReadTokens: entries.reduce((sum, entry) => sum + entry.cacheRead, 0),
      cacheWriteTokens: entries.reduce((sum, entry) => sum + entry.cacheWrite, 0),
      callsByTier: [...tiers].map(([tier, calls]) => ({ tier, calls })),
    },
    tasks: {
      tasks: tasks.length,
      succeeded: counted((task) => task.outcome === 'succeeded'),
      unverified: counted((task) => task.outcome === 'unverified'),
      earlyAlreadyDone: counted((task) => task.earlyExit && task.outcome === 'already-done'),
      earlyNotActionable: counted((task) => task.earlyExit && task.outcome === 'not-actionable'),
    },
  };
}
