import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import type { PullOutcomeRow, PullOutcomeStore, PullState } from '../spec/pull-outcome-store.ts';
import { toPullOutcome } from './internal/pull-outcome-rows.ts';

/**
 * The pull requests Warden opened and what the forge says became of them, in the shared SQLite file.
 * Each change applies to an open pull request only, so a webhook delivered twice or late changes
 * nothing twice; a revert applies to an accepted one. Construct with the open database of a
 * `SqliteStore`.
 */
export class SqlitePullOutcomeStore implements PullOutcomeStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  async opened(pull: {
    taskId: string;
    repository: string;
    number: number;
    url: string;
    at: string;
  }): Promise<void> {
    this.#run('pull outcome write failed', () =>
      this.#db
        .prepare(
          `INSERT INTO pull_outcomes (task_id, repository, number, url, opened_at, state)
           VALUES (?, ?, ?, ?, ?, 'open') ON CONFLICT (task_id) DO NOTHING`,
        )
        .run(pull.taskId, pull.repository, pull.number, pull.url, pull.at),
    );
  }

  async changesRequested(repository: string, taskId: string): Promise<boolean> {
    return this.#update(
      'changes_requested = changes_requested + 1',
      "repository = ? AND task_id = ? AND state = 'open'",
      [repository, taskId],
    );
  }

  async humanCommits(repository: string, taskId: string, count: number): Promise<boolean> {
    return this.#update(
      'human_commits = human_commits + ?',
      "repository = ? AND task_id = ? AND state = 'open'",
      [count, repository, taskId],
    );
  }

  async closed(
    repository: string,
    taskId: string,
    close: { merged: boolean; mergeCommit: string | null; at: string },
  ): Promise<PullState | undefined> {
    const row = this.#run('pull outcome write failed', () =>
      this.#db
        .prepare(
          `UPDATE pull_outcomes SET
             state = CASE WHEN ? = 0 THEN 'rejected'
               WHEN changes_requested = 0 AND human_commits = 0 THEN 'accepted-first-pass'
               ELSE 'accepted-after-changes' END,
             merge_commit = ?, closed_at = ?
           WHERE repository = ? AND task_id = ? AND state = 'open' RETURNING state`,
        )
        .get(close.merged ? 1 : 0, close.mergeCommit, close.at, repository, taskId),
    ) as { state: PullState } | undefined;
    return row?.state;
  }

  async reverted(repository: string, mergeCommits: readonly string[], at: string): Promise<string[]> {
    if (mergeCommits.length === 0) return [];
    const rows = this.#run('pull outcome write failed', () =>
      this.#db
        .prepare(
          `UPDATE pull_outcomes SET state = 'reverted', reverted_at = ?
           WHERE repository = ? AND state LIKE 'accepted-%'
             AND merge_commit IN (${mergeCommits.map(() => '?').join(', ')})
           RETURNING task_id`,
        )
        .all(at, repository, ...mergeCommits),
    ) as Array<{ task_id: string }>;
    return rows.map((row) => row.task_id);
  }

  async get(taskId: string): Promise<PullOutcomeRow | undefined> {
    return (await this.list()).find((row) => row.taskId === taskId);
  }

  async list(filter: { sinceAt?: string | undefined } = {}): Promise<PullOutcomeRow[]> {
    const rows = this.#run('pull outcome read failed', () =>
      this.#db
        .prepare(
          `SELECT pull_outcomes.*, task_outcomes.agent AS agent, tasks.created_at AS task_created_at
           FROM pull_outcomes
             LEFT JOIN task_outcomes ON task_outcomes.task_id = pull_outcomes.task_id
             LEFT JOIN tasks ON tasks.id = pull_outcomes.task_id
           WHERE pull_outcomes.opened_at >= ? ORDER BY pull_outcomes.opened_at`,
        )
        .all(filter.sinceAt ?? ''),
    );
    return rows.map(toPullOutcome);
  }

  #update(set: string, where: string, parameters: SQLInputValue[]): boolean {
    const result = this.#run('pull outcome write failed', () =>
      this.#db.prepare(`UPDATE pull_outcomes SET ${set} WHERE ${where}`).run(...parameters),
    );
    return Number(result.changes) > 0;
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new SystemError('store-failed', `${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}
