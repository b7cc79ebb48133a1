import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import type {
  CostAggregate,
  CostGrouping,
  CostSummary,
  ReportStore,
  SpendAggregate,
  TaskAggregate,
} from '../spec/report-store.ts';
import type { UnreadableSpendEntry } from '../spec/spend-store.ts';
import { NANOS_PER_USD, READABLE_ENTRY_SQL, toEntry } from './internal/spend-amounts.ts';

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
 * SQLite over the indexes of migration 0007: a report reads one row per group, not one per call.
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
      const total = this.#aggregates('total', since).get('') ?? emptyAggregate();
      const summary: CostSummary = { total, firstAt: this.#firstAt(since) };
      if (request.groupBy !== undefined) {
        summary.groups = [...this.#aggregates(request.groupBy, since)].map(([key, figures]) => ({
          key,
          ...figures,
        }));
      }
      return summary;
    } catch (error) {
      if (error instanceof SystemError) throw error;
      throw new SystemError('store-failed', `the cost report cannot be read: ${(error as Error).message}`, {
        cause: error,
        hint: 'run `warden doctor` to check the store',
      });
    }
  }

  /** Spend and tasks per key of `grouping`. */
  #aggregates(grouping: CostGrouping | 'total', since: string | undefined): Map<string, CostAggregate> {
    const groups = new Map<string, CostAggregate>();
    const group = (key: string) => {
      let found = groups.get(key);
      if (found === undefined) {
        found = emptyAggregate();
        groups.set(key, found);
      }
      return found;
    };
    const calls = callsIn(since);
    const key = CALL_KEY[grouping];
    for (const row of this.#all(
      `SELECT ${key} AS key, COUNT(*) AS calls, TOTAL(usd_nanos) AS spend,
         TOTAL(COALESCE(top_tier_nanos, usd_nanos)) AS top_tier, TOTAL(input_tokens) AS input,
         TOTAL(cache_read_tokens) AS cache_read, TOTAL(cache_write_tokens) AS cache_write
       FROM spend_entries WHERE ${calls.where} GROUP BY key`,
      calls.parameters,
    )) {
      Object.assign(group(String(row.key)).spend, {
        calls: Number(row.calls),
        spendUsd: Number(row.spend) / NANOS_PER_USD,
        topTierUsd: Number(row.top_tier) / NANOS_PER_USD,
        inputTokens: Number(row.input),
        cacheReadTokens: Number(row.cache_read),
        cacheWriteTokens: Number(row.cache_write),
      } satisfies Omit<SpendAggregate, 'callsByTier'>);
    }
    for (const row of this.#all(
      `SELECT ${key} AS key, COALESCE(tier, 'unranked') AS tier, COUNT(*) AS calls, MIN(id) AS first
       FROM spend_entries WHERE ${calls.where} GROUP BY key, COALESCE(tier, 'unranked') ORDER BY first`,
      calls.parameters,
    )) {
      group(String(row.key)).spend.callsByTier.push({ tier: String(row.tier), calls: Number(row.calls) });
    }
    for (const row of this.#taskRows(grouping, since)) {
      group(String(row.key)).tasks = {
        tasks: Number(row.tasks),
        succeeded: Number(row.succeeded),
        unverified: Number(row.unverified),
        earlyAlreadyDone: Number(row.early_already_done),
        earlyNotActionable: Number(row.early_not_actionable),
      } satisfies TaskAggregate;
    }
    return groups;
  }

  /**
   * The period's tasks counted per key: each task once, with its outcome, agent, team and day as the
   * contract of `costSummary` says.
   */
  #taskRows(grouping: CostGrouping | 'total', since: string | undefined): Row[] {
    const calls = callsIn(since);
    const outcomes = since === undefined ? '1' : 'at >= ?';
    const outcomeParameters = since === undefined ? [] : [since];
    const tasks = `WITH first_call AS (
        SELECT task_id, MIN(id) AS id FROM spend_entries
        WHERE task_id IS NOT NULL AND ${calls.where} GROUP BY task_id),
      outcome AS (SELECT * FROM task_outcomes WHERE ${outcomes}),
      period_task AS (SELECT task_id FROM first_call UNION SELECT task_id FROM outcome),
      report_task AS (
        SELECT period_task.task_id AS task_id,
          COALESCE(outcome.outcome, CASE WHEN tasks.status NOT IN ${UNFINISHED} THEN tasks.status END) AS outcome,
          COALESCE(outcome.agent, call.agent) AS agent,
          COALESCE(outcome.team, call.team) AS team,
          COALESCE(outcome.early_exit, 0) AS early_exit,
          COALESCE(outcome.day, call.day, '') AS day
        FROM period_task
          LEFT JOIN outcome ON outcome.task_id = period_task.task_id
          LEFT JOIN first_call ON first_call.task_id = period_task.task_id
          LEFT JOIN spend_entries AS call ON call.id = first_call.id
          LEFT JOIN tasks ON tasks.id = period_task.task_id)`;
    const counts = `COUNT(*) AS tasks,
        TOTAL(report_task.outcome = 'succeeded') AS succeeded,
        TOTAL(report_task.outcome = 'unverified') AS unverified,
        TOTAL(report_task.early_exit = 1 AND report_task.outcome = 'already-done') AS early_already_done,
        TOTAL(report_task.early_exit = 1 AND report_task.outcome = 'not-actionable') AS early_not_actionable`;
    const parameters = [...calls.parameters, ...outcomeParameters];
    if (grouping === 'model') {
      return this.#all(
        `${tasks}, model_task AS (
           SELECT DISTINCT price_key AS key, task_id FROM spend_entries
           WHERE task_id IS NOT NULL AND ${calls.where})
         SELECT model_task.key AS key, ${counts}
         FROM model_task JOIN report_task ON report_task.task_id = model_task.task_id GROUP BY model_task.key`,
        [...parameters, ...calls.parameters],
      );
    }
    const key = grouping === 'total' ? "''" : grouping === 'day' ? 'day' : `COALESCE(${grouping}, '-')`;
    return this.#all(`${tasks} SELECT ${key} AS key, ${counts} FROM report_task GROUP BY key`, parameters);
  }

  #firstAt(since: string | undefined): string | null {
    const calls = callsIn(since);
    const call = this.#db
      .prepare(`SELECT at FROM spend_entries WHERE ${calls.where} ORDER BY id LIMIT 1`)
      .get(...calls.parameters) as { at: string } | undefined;
    if (call) return call.at;
    const outcome = (
      since === undefined
        ? this.#db.prepare('SELECT at FROM task_outcomes ORDER BY at LIMIT 1').get()
        : this.#db.prepare('SELECT at FROM task_outcomes WHERE at >= ? ORDER BY at LIMIT 1').get(since)
    ) as { at: string } | undefined;
    return outcome?.at ?? null;
  }

  /** Passes every entry of the period that cannot be read to `onUnreadable`, with why. */
  #reportUnreadable(since: string | undefined, onUnreadable: (entry: UnreadableSpendEntry) => void): void {
    const statement = this.#db.prepare(
      `SELECT * FROM spend_entries WHERE ${since === undefined ? '1' : 'at >= ?'} AND NOT ${READABLE_ENTRY_SQL}
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

/** The condition selecting the period's readable calls, with its parameters. */
function callsIn(since: string | undefined): { where: string; parameters: SQLInputValue[] } {
  return since === undefined
    ? { where: READABLE_ENTRY_SQL, parameters: [] }
    : { where: `at >= ? AND ${READABLE_ENTRY_SQL}`, parameters: [since] };
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
