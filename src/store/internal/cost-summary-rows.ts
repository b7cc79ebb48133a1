import type { CostAggregate, CostSummary, SpendAggregate, TaskAggregate } from '../../spec/report-store.ts';
import { NANOS_PER_USD } from '../../spec/spend-store.ts';

/**
 * A row an engine's report query returns, by column: numbers (SQLite's `TOTAL`) or the strings `pg`
 * returns for `bigint` and `numeric`; either is read with `Number`.
 */
export type ReportRow = Record<string, unknown>;

/**
 * The `CostSummary` of what an engine's report queries returned, the same for every engine.
 *
 * @param read.spend The period's spend per key and tier (`key`, `tier`, `calls`, `spend` and `top_tier`
 *   in nano-dollars, `input`, `cache_read`, `cache_write`), ordered by each row's first call.
 * @param read.tasks The period's tasks counted per key (`key`, `tasks`, `succeeded`, `unverified`,
 *   `early_already_done`, `early_not_actionable`).
 * @param read.allTasks Grouped by model only, where a task may count under several keys: the tasks
 *   counted once each (one row); `undefined` otherwise, and the total is the sum of the groups'.
 * @param grouped Whether the caller asked for groups (`summary.groups` is left out otherwise).
 */
export function costSummaryOf(
  read: {
    spend: readonly ReportRow[];
    tasks: readonly ReportRow[];
    allTasks: readonly ReportRow[] | undefined;
    firstAt: string | null;
  },
  grouped: boolean,
): CostSummary {
  const groups = new Map<string, CostAggregate>();
  const group = (key: string) => {
    let found = groups.get(key);
    if (found === undefined) {
      found = emptyAggregate();
      groups.set(key, found);
    }
    return found;
  };
  const total = emptyAggregate();
  for (const row of read.spend) {
    addSpend(group(String(row.key)).spend, row);
    addSpend(total.spend, row);
  }
  for (const figures of [total, ...groups.values()]) inDollars(figures.spend);
  for (const row of read.tasks) addTasks(group(String(row.key)).tasks, tasksOf(row));
  if (read.allTasks) {
    for (const row of read.allTasks) addTasks(total.tasks, tasksOf(row));
  } else {
    for (const figures of groups.values()) addTasks(total.tasks, figures.tasks);
  }
  const summary: CostSummary = { total, firstAt: read.firstAt };
  if (grouped) summary.groups = [...groups].map(([key, figures]) => ({ key, ...figures }));
  return summary;
}

/** Turns the nano-dollar sums of `addSpend` into dollars, once. */
function inDollars(spend: SpendAggregate): void {
  spend.spendUsd /= NANOS_PER_USD;
  spend.topTierUsd /= NANOS_PER_USD;
}

/** Adds a spend row (one key and tier) to `spend`, the tier after those already there. */
function addSpend(spend: SpendAggregate, row: ReportRow): void {
  const calls = Number(row.calls);
  spend.calls += calls;
  // Nano-dollars while summing (exact), dollars once summed: see `inDollars`.
  spend.spendUsd += Number(row.spend);
  spend.topTierUsd += Number(row.top_tier);
  spend.inputTokens += Number(row.input);
  spend.cacheReadTokens += Number(row.cache_read);
  spend.cacheWriteTokens += Number(row.cache_write);
  const tier = spend.callsByTier.find((known) => known.tier === String(row.tier));
  if (tier) tier.calls += calls;
  else spend.callsByTier.push({ tier: String(row.tier), calls });
}

function tasksOf(row: ReportRow): TaskAggregate {
  return {
    tasks: Number(row.tasks),
    succeeded: Number(row.succeeded),
    unverified: Number(row.unverified),
    earlyAlreadyDone: Number(row.early_already_done),
    earlyNotActionable: Number(row.early_not_actionable),
  };
}

function addTasks(into: TaskAggregate, from: TaskAggregate): void {
  into.tasks += from.tasks;
  into.succeeded += from.succeeded;
  into.unverified += from.unverified;
  into.earlyAlreadyDone += from.earlyAlreadyDone;
  into.earlyNotActionable += from.earlyNotActionable;
}

function emptyAggregate(): CostAggregate {
  return {
    spend: {
      calls: 0,
      spendUsd: 0,
      topTierUsd: 0,
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      callsByTier: [],
    },
    tasks: { tasks: 0, succeeded: 0, unverified: 0, earlyAlreadyDone: 0, earlyNotActionable: 0 },
  };
}
