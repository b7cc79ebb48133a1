import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import type { OutcomeStore, TaskOutcome, TaskOutcomeRow } from '../spec/outcome-store.ts';
import { utcDay } from '../spec/spend-store.ts';

/**
 * How each finished task ended, for `warden cost`, in the shared SQLite file. Construct with the open
 * database of a `SqliteStore` (`store.database`); the constructor does no I/O.
 */
export class SqliteOutcomeStore implements OutcomeStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  async record(outcome: Omit<TaskOutcomeRow, 'day' | 'at'>, now = new Date()): Promise<void> {
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

  async list(filter: { sinceAt?: string } = {}): Promise<TaskOutcomeRow[]> {
    let rows: Record<string, SQLInputValue>[];
    try {
      rows = (
        filter.sinceAt === undefined
          ? this.#db.prepare('SELECT * FROM task_outcomes ORDER BY at').all()
          : this.#db.prepare('SELECT * FROM task_outcomes WHERE at >= ? ORDER BY at').all(filter.sinceAt)
      ) as Record<string, SQLInputValue>[];
    } catch (error) {
      throw new SystemError('store-failed', `task outcome read failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
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
