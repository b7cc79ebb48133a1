import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import type { CostGrouping, CostSummary, DecisionTallies, ReportStore } from '../spec/report-store.ts';
import type { UnreadableSpendEntry } from '../spec/spend-store.ts';
import { costSummaryOf } from './internal/cost-summary-rows.ts';
import { decisionTallies } from './internal/decision-tallies.ts';
import { READABLE_ENTRY_SQL, toEntry } from './internal/spend-amounts.ts';

type Row = Record<string, SQLInputValue>;

/** The group key of a call (`spend_entries`), by grouping; `''` for the total. */
const CALL_KEY: Record<CostGrouping | 'total', string> = {
  total: "''",
  agent: "COALESCE(agent, '-')",
  team: "COALESCE(team, '-')",
  day: 'day',
  model: 'price_key',
};

/** A task's status that is not yet how it ended. */
const UNFINISHED = "('running', 'awaiting_approval', 'interrupted')";

/**
 * The reports over the spend ledger, the outcomes and the tasks in the shared SQLite file, aggregated by
 * SQLite over the rollups and indexes of migration 0007: a report reads one row per task and day, not one
 * per model call.
 * Construct with the open database of a `SqliteStore` (`store.database`); the constructor does no I/O.
 */
export class SqliteReportStore implements ReportStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /** See `ReportStore.costSummary`. */
  async costSummary(
    request: { sinceAt?: string | undefined; groupBy?: CostGrouping | undefined },
    onUnreadable: (entry: UnreadableSpendEntry) => void = () => {},
  ): Promise<CostSummary> {
    try {
      const since = request.sinceAt;
      this.#reportUnreadable(since, onUnreadable);
      const grouping = request.groupBy ?? 'total';
      const read = {
        spend: this.#spendRows(grouping, since),
        tasks: this.#taskRows(grouping, since),
        allTasks: grouping === 'model' ? this.#taskRows('total', since) : undefined,
        firstAt: this.#firstAt(since),
      };
      return costSummaryOf(read, request.groupBy !== undefined);
    } catch (error) {
      if (error instanceof SystemError) throw error;
      throw new SystemError('store-failed', `the cost report cannot be read: ${(error as Error).message}`, {
        cause: error,
        hint: 'run `warden doctor` to check the store',
      });
    }
  }

  /** See `ReportStore.decisionTallies`. */
  async decisionTallies(request: { sinceAt?: string | undefined }): Promise<DecisionTallies> {
    try {
      return decisionTallies(this.#db, request.sinceAt);
    } catch (error) {
      throw new SystemError(
        'store-failed',
        `the policy statistics cannot be read: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'run `warden doctor` to check the store',
        },
      );
    }
  }

  /** The period's spend per key of `grouping` and tier, oldest tier first. */
  #spendRows(grouping: CostGrouping | 'total', since: string | undefined): Row[] {
    const calls = periodCalls(since);
    return this.#all(
      `${calls.cte} SELECT ${CALL_KEY[grouping]} AS key, COALESCE(tier, 'unranked') AS tier,
         TOTAL(calls) AS calls, TOTAL(usd_nanos) AS spend, TOTAL(top_tier_nanos) AS top_tier,
         TOTAL(input_tokens) AS input, TOTAL(cache_read_tokens) AS cache_read,
         TOTAL(cache_write_tokens) AS cache_write, MIN(first_id) AS first
       FROM period_call GROUP BY key, COALESCE(tier, 'unranked') ORDER BY first`,
      calls.parameters,
    );
  }

  /**
   * The period's tasks counted per key: each task once, with its outcome, agent, team and day as the
   * contract of `costSummary` says (its first call's are those of the rollup row holding it).
   */
  #taskRows(grouping: CostGrouping | 'total', since: string | undefined): Row[] {
    const calls = periodCalls(since);
    const outcomes = since === undefined ? '1' : 'at >= ?';
    const outcomeParameters = since === undefined ? [] : [since];
    // SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum.
    const tasks = `${calls.cte}, first_call AS (
        SELECT task_id, MIN(first_id), agent, team, day FROM period_call WHERE task_id IS NOT NULL GROUP BY task_id),
      outcome AS (SELECT * FROM task_outcomes WHERE ${outcomes}),
      period_task AS (SELECT task_id FROM first_call UNION SELECT task_id FROM outcome),
      report_task AS (
        SELECT period_task.task_id AS task_id,
          COALESCE(outcome.outcome, CASE WHEN tasks.status NOT IN ${UNFINISHED} THEN tasks.status END) AS outcome,
          COALESCE(outcome.agent, first_call.agent) AS agent,
          COALESCE(outcome.team, first_call.team) AS team,
          COALESCE(outcome.early_exit, 0) AS early_exit,
          COALESCE(outcome.day, first_call.day, '') AS day,
          COALESCE(pull_outcomes.state LIKE 'accepted-%', 1) AS accepted
        FROM period_task
          LEFT JOIN outcome ON outcome.task_id = period_task.task_id
          LEFT JOIN pull_outcomes ON pull_outcomes.task_id = period_task.task_id
          LEFT JOIN first_call ON first_call.task_id = period_task.task_id
          LEFT JOIN tasks ON tasks.id = period_task.task_id AND outcome.task_id IS NULL)`;
    const counts = `COUNT(*) AS tasks,
        TOTAL(report_task.outcome = 'succeeded' AND report_task.accepted) AS succeeded,
        TOTAL(report_task.outcome = 'unverified') AS unverified,
        TOTAL(report_task.early_exit = 1 AND report_task.outcome = 'already-done') AS early_already_done,
        TOTAL(report_task.early_exit = 1 AND report_task.outcome = 'not-actionable') AS early_not_actionable`;
    const parameters = [...calls.parameters, ...outcomeParameters];
    if (grouping === 'model') {
      return this.#all(
        `${tasks}, model_task AS (
           SELECT DISTINCT price_key AS key, task_id FROM period_call WHERE task_id IS NOT NULL)
         SELECT model_task.key AS key, ${counts}
         FROM model_task JOIN report_task ON report_task.task_id = model_task.task_id GROUP BY model_task.key`,
        parameters,
      );
    }
    const key = grouping === 'total' ? "''" : grouping === 'day' ? 'day' : `COALESCE(${grouping}, '-')`;
    return this.#all(`${tasks} SELECT ${key} AS key, ${counts} FROM report_task GROUP BY key`, parameters);
  }

  #firstAt(since: string | undefined): string | null {
    const calls = periodCalls(since);
    const call = this.#db
      .prepare(`${calls.cte} SELECT at FROM spend_entries WHERE id = (SELECT MIN(first_id) FROM period_call)`)
      .get(...calls.parameters) as { at: string } | undefined;
    if (call) return call.at;
    const outcome = (
      since === undefined
        ? this.#db.prepare('SELECT at FROM task_outcomes ORDER BY at LIMIT 1').get()
        : this.#db.prepare('SELECT at FROM task_outcomes WHERE at >= ? ORDER BY at LIMIT 1').get(since)
    ) as { at: string } | undefined;
    return outcome?.at ?? null;
  }

  /**
   * Passes every entry of the period that cannot be read to `onUnreadable`, with why. Through the partial
   * index of exactly those rows (named, as SQLite's planner would rather scan the table without statistics).
   */
  #reportUnreadable(since: string | undefined, onUnreadable: (entry: UnreadableSpendEntry) => void): void {
    const statement = this.#db.prepare(
      `SELECT * FROM spend_entries INDEXED BY spend_entries_unreadable
       WHERE ${since === undefined ? '1' : 'at >= ?'} AND NOT ${READABLE_ENTRY_SQL}
       ORDER BY id`,
    );
    statement.setReadBigInts(true);
    for (const row of statement.all(...(since === undefined ? [] : [since])) as Row[]) {
      const entry = toEntry(row);
      onUnreadable({
        id: Number(row.id),
        taskId: (row.task_id as string | null) ?? null,
        day: String(row.day),
        reason: typeof entry === 'string' ? entry : 'unreadable',
      });
    }
  }

  #all(sql: string, parameters: readonly SQLInputValue[]): Row[] {
    return this.#db.prepare(sql).all(...parameters) as Row[];
  }
}

/** The columns of `spend_rollups` a report reads, in order. */
const ROLLUP_COLUMNS = `task_id, agent, team, day, price_key, tier, calls, usd_nanos, top_tier_nanos, input_tokens,
  cache_read_tokens, cache_write_tokens, first_id`;

/**
 * A `period_call` table of the period's readable calls, summed per day, task, agent, team, model and
 * tier: the rollups of the days after the period's first, and that first day's entries from `since` on
 * (a call's day is the UTC day of its time), summed the same way.
 */
function periodCalls(since: string | undefined): { cte: string; parameters: SQLInputValue[] } {
  if (since === undefined) {
    return { cte: `WITH period_call AS (SELECT ${ROLLUP_COLUMNS} FROM spend_rollups)`, parameters: [] };
  }
  const firstDay = since.slice(0, 10);
  return {
    cte: `WITH period_call AS (
        SELECT ${ROLLUP_COLUMNS} FROM spend_rollups WHERE day > ?
        UNION ALL
        SELECT task_id, agent, team, day, price_key, tier, COUNT(*), TOTAL(usd_nanos),
          TOTAL(COALESCE(top_tier_nanos, usd_nanos)), TOTAL(input_tokens), TOTAL(cache_read_tokens),
          TOTAL(cache_write_tokens), MIN(id)
        FROM spend_entries WHERE day = ? AND at >= ? AND ${READABLE_ENTRY_SQL}
        GROUP BY task_id, agent, team, day, price_key, tier)`,
    parameters: [firstDay, firstDay, since],
  };
}
