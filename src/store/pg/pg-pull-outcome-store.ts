import type { Pool } from 'pg';
import type { PullOutcomeRow, PullOutcomeStore, PullState } from '../../spec/pull-outcome-store.ts';
import { toPullOutcome } from '../internal/pull-outcome-rows.ts';
import { PgQueries } from './pg-queries.ts';

/** A pull request with its task's agent (from its booked outcome) and its task's creation. */
const WITH_TASK = `SELECT pull_outcomes.*, task_outcomes.agent AS agent, tasks.created_at AS task_created_at
  FROM pull_outcomes
    LEFT JOIN task_outcomes ON task_outcomes.task_id = pull_outcomes.task_id COLLATE "C"
    LEFT JOIN tasks ON tasks.id = pull_outcomes.task_id COLLATE "C"`;

/**
 * The pull requests Warden opened and what the forge says became of them, in PostgreSQL, with the
 * semantics of `SqlitePullOutcomeStore`: each change is one guarded update of an open (or, for a revert,
 * an accepted) pull request, so a webhook delivered twice, late, or to two processes at once changes
 * nothing twice. The constructor does no I/O; the pool's database must be migrated (`migratePg`).
 */
export class PgPullOutcomeStore implements PullOutcomeStore {
  readonly #queries: PgQueries;

  constructor(pool: Pool) {
    this.#queries = new PgQueries(pool);
  }

  async opened(pull: {
    taskId: string;
    repository: string;
    number: number;
    url: string;
    at: string;
  }): Promise<void> {
    await this.#queries.changes(
      `cannot record the pull request of task ${pull.taskId}`,
      `INSERT INTO pull_outcomes (task_id, repository, number, url, opened_at, state)
       VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT (task_id) DO NOTHING`,
      [pull.taskId, pull.repository, pull.number, pull.url, pull.at],
    );
  }

  async changesRequested(repository: string, taskId: string): Promise<boolean> {
    const changes = await this.#queries.changes(
      `cannot count a change request on the pull request of task ${taskId}`,
      `UPDATE pull_outcomes SET changes_requested = changes_requested + 1
       WHERE repository = $1 AND task_id = $2 AND state = 'open'`,
      [repository, taskId],
    );
    return changes > 0;
  }

  async humanCommits(repository: string, taskId: string, count: number): Promise<boolean> {
    const changes = await this.#queries.changes(
      `cannot count human commits on the pull request of task ${taskId}`,
      `UPDATE pull_outcomes SET human_commits = human_commits + $1
       WHERE repository = $2 AND task_id = $3 AND state = 'open'`,
      [count, repository, taskId],
    );
    return changes > 0;
  }

  async closed(
    repository: string,
    taskId: string,
    close: { merged: boolean; mergeCommit: string | null; at: string },
  ): Promise<PullState | undefined> {
    const row = await this.#queries.row(
      `cannot record the close of the pull request of task ${taskId}`,
      `UPDATE pull_outcomes SET
         state = CASE WHEN NOT $1::boolean THEN 'rejected'
           WHEN changes_requested = 0 AND human_commits = 0 THEN 'accepted-first-pass'
           ELSE 'accepted-after-changes' END,
         merge_commit = $2, closed_at = $3
       WHERE repository = $4 AND task_id = $5 AND state = 'open' RETURNING state`,
      [close.merged, close.mergeCommit, close.at, repository, taskId],
    );
    return row?.state as PullState | undefined;
  }

  async reverted(repository: string, mergeCommits: readonly string[], at: string): Promise<string[]> {
    if (mergeCommits.length === 0) return [];
    const rows = await this.#queries.rows(
      `cannot record reverts in ${repository}`,
      `UPDATE pull_outcomes SET state = 'reverted', reverted_at = $1
       WHERE repository = $2 AND state LIKE 'accepted-%' AND merge_commit = ANY($3::text[])
       RETURNING task_id`,
      [at, repository, [...mergeCommits]],
    );
    return rows.map((row) => row.task_id as string);
  }

  async get(taskId: string): Promise<PullOutcomeRow | undefined> {
    const row = await this.#queries.row(
      `cannot read the pull request of task ${taskId}`,
      `${WITH_TASK} WHERE pull_outcomes.task_id = $1`,
      [taskId],
    );
    return row ? toPullOutcome(row) : undefined;
  }

  async list(filter: { sinceAt?: string | undefined } = {}): Promise<PullOutcomeRow[]> {
    const rows = await this.#queries.rows(
      "cannot read Warden's pull requests",
      `${WITH_TASK} WHERE pull_outcomes.opened_at >= $1 ORDER BY pull_outcomes.opened_at, pull_outcomes.task_id`,
      [filter.sinceAt ?? ''],
    );
    return rows.map(toPullOutcome);
  }
}
