import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import { utcDay } from './spend-store.ts';

/**
 * A task's outcome: how reports count it. Only `succeeded` is a success: `unverified` is a task the model
 * said it finished that no check verified.
 */
export type TaskOutcome =
  | 'succeeded'
  | 'unverified'
  | 'failed'
  | 'stopped'
  | 'already-done'
  | 'not-actionable';

export interface TaskOutcomeRow {
  taskId: string;
  outcome: TaskOutcome;
  agent: string | null;
  team: string | null;
  /** Ended by a pre-check before any planner call. */
  earlyExit: boolean;
  day: string;
  at: string;
}

/**
 * How each finished task ended, for `warden cost`, in the shared SQLite file. Construct with the open
 * database of a `SqliteStore` (`store.database`); the constructor does no I/O.
 */
export class SqliteOutcomeStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /**
   * Records (or replaces) a task's outcome.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  record(outcome: Omit<TaskOutcomeRow, 'day' | 'at'>, now = new Date()): void {
    const parameters: SQLInputValue[] = [
      outcome.taskId,
      outcome.outcome,
      outcome.agent,
      outcome.team,
      outcome.earlyExit ? 1 : 0,
      utcDay(now),
      now.toISOString(),
    ];
    try {
      this.#db
        .prepare(
          `INSERT INTO task_outcomes (task_id, outcome, agent, team, early_exit, day, at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET outcome = excluded.outcome, agent = excluded.agent,
             team = excluded.team, early_exit = excluded.early_exit, day = excluded.day, at = excluded.at`,
        )
        .run(...parameters);
    } catch (error) {
      throw new SystemError('store-failed', `task outcome write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Outcomes recorded at or after `sinceAt` (ISO time); all when undefined. */
  list(filter: { sinceAt?: string } = {}): TaskOutcomeRow[] {
    const rows = (
      filter.sinceAt === undefined
        ? this.#db.prepare('SELECT * FROM task_outcomes ORDER BY at').all()
        : this.#db.prepare('SELECT * FROM task_outcomes WHERE at >= ? ORDER BY at').all(filter.sinceAt)
    ) as Record<string, SQLInputValue>[];
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
