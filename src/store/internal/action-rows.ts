import type { ActionName, ActionRecord, ActionRecordStatus, PullRequest } from '../../spec/actions.ts';
import { UserError } from '../../spec/errors.ts';

/** The link of a pull request of the local forge. */
export function localUrl(repository: string, number: number): string {
  return `local://${repository}/pulls/${number}`;
}

/** The error for a pull request the local forge does not have. */
export function missingPullRequest(repository: string, number: number): UserError {
  return new UserError('action-invalid', `the local forge ${repository} has no pull request #${number}`);
}

/** An `actions` row as its record, read the same from SQLite and PostgreSQL. */
export function toAction(row: Record<string, unknown>): ActionRecord {
  return {
    key: row.key as string,
    taskId: row.task_id as string,
    action: row.action as ActionName,
    parameters: JSON.parse(row.parameters as string) as unknown,
    status: row.status as ActionRecordStatus,
    result: row.result === null ? null : (JSON.parse(row.result as string) as unknown),
    error: (row.error as string | null) ?? null,
    startedAt: row.started_at as string,
    endedAt: (row.ended_at as string | null) ?? null,
  };
}

/** A `pull_requests` row as the pull request, read the same from SQLite and PostgreSQL. */
export function toPullRequest(row: Record<string, unknown>): PullRequest {
  const repository = row.repository as string;
  const number = Number(row.number);
  return {
    number,
    head: row.head as string,
    base: row.base as string,
    title: row.title as string,
    body: row.body as string,
    state: row.state as PullRequest['state'],
    url: localUrl(repository, number),
    reviewers: JSON.parse(row.reviewers as string) as string[],
  };
}
