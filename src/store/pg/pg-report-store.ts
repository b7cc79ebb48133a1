import type { Pool, PoolClient } from 'pg';
import type { CostGrouping, CostSummary, DecisionTallies, ReportStore } from '../../spec/report-store.ts';
import type { UnreadableSpendEntry } from '../../spec/spend-store.ts';
import { costSummaryOf } from '../internal/cost-summary-rows.ts';
import { COUNT_COLUMNS, type SpendRow, toEntry } from '../internal/spend-amounts.ts';
import { pgDecisionTallies } from './pg-decision-tallies.ts';
import { PgQueries, type PgRow } from './pg-queries.ts';
import { bigIntOf } from './pg-spend-windows.ts';

/**
 * True when every amount of a `spend_entries` row is a count `toEntry` reads (an integer in 0..2^53), so
 * the sums leave out the rows a report in JavaScript would. A `BIGINT` is always an integer: only the range
 * is checked. The same expression as the partial index of migration 0005, so its negation uses the index.
 */
const READABLE = `(${[...COUNT_COLUMNS, 'top_tier_nanos']
  .map((column) => {
    const inRange = `${column} BETWEEN 0 AND ${Number.MAX_SAFE_INTEGER}`;
    return column === 'top_tier_nanos' ? `(${column} IS NULL OR ${inRange})` : inRange;
  })
  .join(' AND ')})`;

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
 * The period's tasks (`$1`: its start, `''` for everything), each once, with its outcome, agent, team and
 * day as the contract of `costSummary` says: its outcome recorded in the period, else its status once it
 * ended; the agent, team and day of that outcome, else of its first readable call in the period.
 */
const REPORT_TASKS = `WITH period_call AS (
    SELECT id, task_id, agent, team, day, price_key FROM spend_entries
    WHERE at >= $1 AND task_id IS NOT NULL AND ${READABLE}),
  first_call AS (
    SELECT DISTINCT ON (task_id) task_id, agent, team, day FROM period_call ORDER BY task_id, id),
  outcome AS (SELECT * FROM task_outcomes WHERE at >= $1),
  period_task AS (SELECT task_id FROM first_call UNION SELECT task_id FROM outcome),
  report_task AS (
    SELECT period_task.task_id AS task_id,
      COALESCE(outcome.outcome, CASE WHEN tasks.status NOT IN ${UNFINISHED} THEN tasks.status END) AS outcome,
      COALESCE(outcome.agent, first_call.agent) AS agent,
      COALESCE(outcome.team, first_call.team) AS team,
      COALESCE(outcome.early_exit, 0) AS early_exit,
      COALESCE(outcome.day, first_call.day, '') AS day,
      (pull_outcomes.state IS NULL OR pull_outcomes.state LIKE 'accepted-%') AS accepted
    FROM period_task
      LEFT JOIN outcome ON outcome.task_id = period_task.task_id
      LEFT JOIN pull_outcomes ON pull_outcomes.task_id = period_task.task_id
      LEFT JOIN first_call ON first_call.task_id = period_task.task_id
      LEFT JOIN tasks ON tasks.id = period_task.task_id AND outcome.task_id IS NULL)`;

/** What `REPORT_TASKS` counts per key. */
const TASK_COUNTS = `COUNT(*) AS tasks,
  COUNT(*) FILTER (WHERE report_task.outcome = 'succeeded' AND report_task.accepted) AS succeeded,
  COUNT(*) FILTER (WHERE report_task.outcome = 'unverified') AS unverified,
  COUNT(*) FILTER (WHERE report_task.early_exit = 1 AND report_task.outcome = 'already-done') AS early_already_done,
  COUNT(*) FILTER (WHERE report_task.early_exit = 1 AND report_task.outcome = 'not-actionable') AS early_not_actionable`;

/** What one report reads, in one snapshot. */
interface ReportRows {
  unreadable: PgRow[];
  spend: PgRow[];
  tasks: PgRow[];
  /** Grouped by model only: the tasks counted once each. */
  allTasks: PgRow[] | undefined;
  firstAt: string | null;
}

/**
 * The reports of `SqliteReportStore` over a fleet's PostgreSQL database, with the same answers. PostgreSQL
 * keeps every spend entry (it has no rollups of compacted days: only settled reservations are compacted
 * away, never entries), so a report sums the period's entries in the server, one pass over them through
 * their index on `at`; money is summed as `BIGINT` nano-dollars into `numeric`, exactly, and turned into
 * dollars once. One report reads in one read-only, repeatable-read transaction, so its figures agree with
 * each other while workers keep booking. Construct with a pool on a migrated database (`PgStore.pool`);
 * the constructor does no I/O.
 */
export class PgReportStore implements ReportStore {
  readonly #queries: PgQueries;

  constructor(pool: Pool) {
    this.#queries = new PgQueries(pool);
  }

  /**
   * See `ReportStore.costSummary`. `onUnreadable` is called once the period has been read, outside the
   * store's transaction: what it throws reaches the caller unchanged.
   *
   * @throws SystemError `store-failed` when the database cannot be read.
   */
  async costSummary(
    request: { sinceAt?: string | undefined; groupBy?: CostGrouping | undefined },
    onUnreadable: (entry: UnreadableSpendEntry) => void = () => {},
  ): Promise<CostSummary> {
    const grouping = request.groupBy ?? 'total';
    // '' sorts before every ISO time: everything when no period is asked for.
    const since = request.sinceAt ?? '';
    const read = await this.#queries.transaction('the cost report cannot be read', (client) =>
      this.#read(client, grouping, since),
    );
    for (const row of read.unreadable) reportUnreadable(row, onUnreadable);
    return costSummaryOf(read, request.groupBy !== undefined);
  }

  /**
   * See `ReportStore.decisionTallies`.
   *
   * @throws SystemError `store-failed` when the database cannot be read.
   */
  async decisionTallies(request: { sinceAt?: string | undefined }): Promise<DecisionTallies> {
    return pgDecisionTallies(this.#queries, request.sinceAt);
  }

  async #read(client: PoolClient, grouping: CostGrouping | 'total', since: string): Promise<ReportRows> {
    const what = 'the cost report cannot be read';
    const rows = (sql: string, parameters: unknown[]) => this.#queries.rows(what, sql, parameters, client);
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const unreadable = await rows(
      `SELECT * FROM spend_entries WHERE at >= $1 AND NOT ${READABLE} ORDER BY id`,
      [since],
    );
    const spend = await rows(
      `SELECT ${CALL_KEY[grouping]} AS key, COALESCE(tier, 'unranked') AS tier, COUNT(*) AS calls,
         SUM(usd_nanos) AS spend, SUM(COALESCE(top_tier_nanos, usd_nanos)) AS top_tier,
         SUM(input_tokens) AS input, SUM(cache_read_tokens) AS cache_read,
         SUM(cache_write_tokens) AS cache_write, MIN(id) AS first_id
       FROM spend_entries WHERE at >= $1 AND ${READABLE}
       GROUP BY 1, 2 ORDER BY first_id`,
      [since],
    );
    const tasks = await rows(taskCountsSql(grouping), [since]);
    const allTasks = grouping === 'model' ? await rows(taskCountsSql('total'), [since]) : undefined;
    // The period's first call is its readable entry with the lowest id, as SQLite's `first_id`.
    const firstIds = spend.map((row) => BigInt(row.first_id as string));
    const firstId = firstIds.reduce<bigint | undefined>(
      (lowest, id) => (lowest === undefined || id < lowest ? id : lowest),
      undefined,
    );
    const first =
      firstId === undefined
        ? await rows('SELECT MIN(at) AS at FROM task_outcomes WHERE at >= $1', [since])
        : await rows('SELECT at FROM spend_entries WHERE id = $1', [firstId.toString()]);
    return { unreadable, spend, tasks, allTasks, firstAt: (first[0]?.at as string | null) ?? null };
  }
}

/** The query counting the period's tasks per key of `grouping`; by model, per model they booked a call of. */
function taskCountsSql(grouping: CostGrouping | 'total'): string {
  if (grouping === 'model') {
    return `${REPORT_TASKS}, model_task AS (SELECT DISTINCT price_key AS key, task_id FROM period_call)
      SELECT model_task.key AS key, ${TASK_COUNTS}
      FROM model_task JOIN report_task ON report_task.task_id = model_task.task_id GROUP BY model_task.key`;
  }
  const key = grouping === 'total' ? "''" : grouping === 'day' ? 'day' : `COALESCE(${grouping}, '-')`;
  return `${REPORT_TASKS} SELECT ${key} AS key, ${TASK_COUNTS} FROM report_task GROUP BY 1`;
}

/** Passes an entry that cannot be read to `onUnreadable`, with why (as `PgSpendStore.entries` reads it). */
function reportUnreadable(row: PgRow, onUnreadable: (entry: UnreadableSpendEntry) => void): void {
  const converted: SpendRow = {};
  for (const [column, value] of Object.entries(row)) converted[column] = value as SpendRow[string];
  for (const column of [...COUNT_COLUMNS, 'top_tier_nanos']) converted[column] = bigIntOf(row[column]);
  const entry = toEntry(converted);
  onUnreadable({
    id: Number(row.id),
    taskId: (row.task_id as string | null) ?? null,
    day: String(row.day),
    reason: typeof entry === 'string' ? entry : 'unreadable',
  });
}
