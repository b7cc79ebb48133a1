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
 * Where each finished task's outcome is kept, for cost reports: `SqliteOutcomeStore` in the embedded
 * file, `PgOutcomeStore` in PostgreSQL.
 */
export interface OutcomeStore {
  /**
   * Records (or replaces) a task's outcome, dated `now` (default: the current time).
   *
   * @throws SystemError `store-failed` when the store cannot be written.
   */
  record(outcome: Omit<TaskOutcomeRow, 'day' | 'at'>, now?: Date): Promise<void>;
  /** Outcomes recorded at or after `sinceAt` (ISO time), oldest first; all when undefined. */
  list(filter?: { sinceAt?: string }): Promise<TaskOutcomeRow[]>;
}
