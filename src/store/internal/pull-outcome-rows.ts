import type { PullOutcomeRow, PullState } from '../../spec/pull-outcome-store.ts';

/**
 * A `pull_outcomes` row joined with its task's agent (`agent`) and creation (`task_created_at`), read the
 * same from SQLite and PostgreSQL (whose `BIGINT` counts come back as strings).
 */
export function toPullOutcome(row: Record<string, unknown>): PullOutcomeRow {
  return {
    taskId: String(row.task_id),
    repository: String(row.repository),
    number: Number(row.number),
    url: String(row.url),
    openedAt: String(row.opened_at),
    state: row.state as PullState,
    changesRequested: Number(row.changes_requested),
    humanCommits: Number(row.human_commits),
    mergeCommit: (row.merge_commit as string | null) ?? null,
    closedAt: (row.closed_at as string | null) ?? null,
    revertedAt: (row.reverted_at as string | null) ?? null,
    agent: (row.agent as string | null) ?? null,
    taskCreatedAt: (row.task_created_at as string | null) ?? null,
  };
}
