import type { DatabaseSync } from 'node:sqlite';

/** What became of a pull request Warden opened. */
export type PullState = 'open' | 'accepted-first-pass' | 'accepted-after-changes' | 'rejected' | 'reverted';

/** One pull request Warden opened, with its task's agent and start. */
export interface PullOutcomeRow {
  taskId: string;
  repository: string;
  number: number;
  url: string;
  openedAt: string;
  state: PullState;
  changesRequested: number;
  humanCommits: number;
  mergeCommit: string | null;
  closedAt: string | null;
  revertedAt: string | null;
  /** The agent the task ran as; null when its outcome was not booked. */
  agent: string | null;
  /** When the task was created (the trigger's time, for a triggered task). */
  taskCreatedAt: string | null;
}

type Row = Record<string, string | number | null>;

/**
 * The pull requests Warden opened and what the forge says became of them, in the shared SQLite file.
 * Each change applies to an open pull request only, so a webhook delivered twice or late changes
 * nothing twice; a revert applies to an accepted one. Construct with the open database of a
 * `SqliteStore`.
 */
export class SqlitePullOutcomeStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /** Records the pull request a task's delivery opened; the same task again changes nothing. */
  opened(pull: { taskId: string; repository: string; number: number; url: string; at: string }): void {
    this.#db
      .prepare(
        `INSERT INTO pull_outcomes (task_id, repository, number, url, opened_at, state)
         VALUES (?, ?, ?, ?, ?, 'open') ON CONFLICT (task_id) DO NOTHING`,
      )
      .run(pull.taskId, pull.repository, pull.number, pull.url, pull.at);
  }

  /** A review asked for changes on the task's open pull request; false when there is none. */
  changesRequested(repository: string, taskId: string): boolean {
    return this.#update(
      'changes_requested = changes_requested + 1',
      "repository = ? AND task_id = ? AND state = 'open'",
      [repository, taskId],
    );
  }

  /** Someone other than Warden pushed `count` commits onto the task's branch; false when no open pull request. */
  humanCommits(repository: string, taskId: string, count: number): boolean {
    return this.#update(
      'human_commits = human_commits + ?',
      "repository = ? AND task_id = ? AND state = 'open'",
      [count, repository, taskId],
    );
  }

  /**
   * The task's open pull request was closed: merged, it is accepted (first pass when no review asked for
   * changes and no human commit came); not merged, rejected. Returns the new state; undefined when the
   * task has no open pull request.
   */
  closed(
    repository: string,
    taskId: string,
    close: { merged: boolean; mergeCommit: string | null; at: string },
  ): PullState | undefined {
    const row = this.#db
      .prepare(
        `UPDATE pull_outcomes SET
           state = CASE WHEN ? = 0 THEN 'rejected'
             WHEN changes_requested = 0 AND human_commits = 0 THEN 'accepted-first-pass'
             ELSE 'accepted-after-changes' END,
           merge_commit = ?, closed_at = ?
         WHERE repository = ? AND task_id = ? AND state = 'open' RETURNING state`,
      )
      .get(close.merged ? 1 : 0, close.mergeCommit, close.at, repository, taskId) as
      | { state: PullState }
      | undefined;
    return row?.state;
  }

  /** Commits that revert merge commits: those accepted pull requests become `reverted`. Returns their tasks. */
  reverted(repository: string, mergeCommits: readonly string[], at: string): string[] {
    if (mergeCommits.length === 0) return [];
    const rows = this.#db
      .prepare(
        `UPDATE pull_outcomes SET state = 'reverted', reverted_at = ?
         WHERE repository = ? AND state LIKE 'accepted-%'
           AND merge_commit IN (${mergeCommits.map(() => '?').join(', ')})
         RETURNING task_id`,
      )
      .all(at, repository, ...mergeCommits) as Array<{ task_id: string }>;
    return rows.map((row) => row.task_id);
  }

  /** The task's pull request; undefined when its delivery opened none. */
  get(taskId: string): PullOutcomeRow | undefined {
    return this.list().find((row) => row.taskId === taskId);
  }

  /** Pull requests opened at or after `sinceAt` (all when undefined), oldest first. */
  list(filter: { sinceAt?: string | undefined } = {}): PullOutcomeRow[] {
    const rows = this.#db
      .prepare(
        `SELECT pull_outcomes.*, task_outcomes.agent AS agent, tasks.created_at AS task_created_at
         FROM pull_outcomes
           LEFT JOIN task_outcomes ON task_outcomes.task_id = pull_outcomes.task_id
           LEFT JOIN tasks ON tasks.id = pull_outcomes.task_id
         WHERE pull_outcomes.opened_at >= ? ORDER BY pull_outcomes.opened_at`,
      )
      .all(filter.sinceAt ?? '') as Row[];
    return rows.map((row) => ({
      taskId: String(row.task_id),
      repository: String(row.repository),
      number: Number(row.number),
      url: String(row.url),
      openedAt: String(row.opened_at),
      state: row.state as PullState,
      changesRequested: Number(row.changes_requested),
      humanCommits: Number(row.human_commits),
      mergeCommit: row.merge_commit as string | null,
      closedAt: row.closed_at as string | null,
      revertedAt: row.reverted_at as string | null,
      agent: row.agent as string | null,
      taskCreatedAt: row.task_created_at as string | null,
    }));
  }

  #update(set: string, where: string, parameters: Array<string | number>): boolean {
    const result = this.#db.prepare(`UPDATE pull_outcomes SET ${set} WHERE ${where}`).run(...parameters);
    return Number(result.changes) > 0;
  }
}
