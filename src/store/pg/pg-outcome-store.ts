import type { Pool } from 'pg';
import type { OutcomeStore, TaskOutcome, TaskOutcomeRow } from '../../spec/outcome-store.ts';
import { utcDay } from '../../spec/spend-store.ts';
import { PgQueries } from './pg-queries.ts';

/**
 * How each finished task ended, for `warden cost`, in PostgreSQL, with the semantics of
 * `SqliteOutcomeStore`. The constructor does no I/O; the pool's database must be migrated (`migratePg`).
 */
export class PgOutcomeStore implements OutcomeStore {
  readonly #queries: PgQueries;

  constructor(pool: Pool) {
    this.#queries = new PgQueries(pool);
  }

  async record(outcome: Omit<TaskOutcomeRow, 'day' | 'at'>, now = new Date()): Promise<void> {
    await this.#queries.changes(
      `cannot record the outcome of task ${outcome.taskId}`,
      `INSERT INTO task_outcomes (task_id, outcome, agent, team, early_exit, day, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (task_id) DO UPDATE SET outcome = excluded.outcome, agent = excluded.agent,
         team = excluded.team, early_exit = excluded.early_exit, day = excluded.day, at = excluded.at`,
      [
        outcome.taskId,
        outcome.outcome,
        outcome.agent,
        outcome.team,
        outcome.earlyExit ? 1 : 0,
        utcDay(now),
        now.toISOString(),
      ],
    );
  }

  async list(filter: { sinceAt?: string } = {}): Promise<TaskOutcomeRow[]> {
    const rows = await this.#queries.rows(
      'cannot read task outcomes',
      // COLLATE "C": ISO times compare bytewise, as in SQLite, whatever collation made the table.
      'SELECT * FROM task_outcomes WHERE at COLLATE "C" >= $1 ORDER BY at COLLATE "C", task_id COLLATE "C"',
      [filter.sinceAt ?? ''],
    );
    return rows.map((row) => ({
      taskId: row.task_id as string,
      outcome: row.outcome as TaskOutcome,
      agent: (row.agent as string | null) ?? null,
      team: (row.team as string | null) ?? null,
      earlyExit: Number(row.early_exit) === 1,
      day: row.day as string,
      at: row.at as string,
    }));
  }
}
