import type { Pool } from 'pg';
import type {
  ActionRecord,
  ActionStore,
  PullRequest,
  PullRequestComment,
  PullRequestStore,
} from '../../spec/actions.ts';
import { SystemError } from '../../spec/errors.ts';
import { localUrl, missingPullRequest, toAction, toPullRequest } from '../internal/action-rows.ts';
import { PgQueries } from './pg-queries.ts';

/** How often a claim looks again when the record it found changed under it (a failure, a delete). */
const CLAIM_ATTEMPTS = 5;

/**
 * Action records (one per idempotency key) and the local forge's pull requests in PostgreSQL, with the
 * semantics of `SqliteActionStore`. A claim is one `INSERT … ON CONFLICT` that takes a new key or a
 * failed one, so of concurrent claims of one key in any number of processes exactly one wins. The
 * constructor does no I/O; the pool's database must be migrated (`migratePg`).
 */
export class PgActionStore implements ActionStore, PullRequestStore {
  readonly #queries: PgQueries;
  readonly #now: () => Date;

  constructor(pool: Pool, settings: { now?: () => Date } = {}) {
    this.#queries = new PgQueries(pool);
    this.#now = settings.now ?? (() => new Date());
  }

  async claim(
    record: Pick<ActionRecord, 'key' | 'taskId' | 'action' | 'parameters'>,
  ): Promise<ActionRecord | undefined> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const claimed = await this.#queries.row(
        `cannot claim action ${record.key}`,
        `INSERT INTO actions (key, task_id, action, parameters, status, started_at)
         VALUES ($1, $2, $3, $4, 'running', $5)
         ON CONFLICT (key) DO UPDATE SET task_id = excluded.task_id, action = excluded.action,
           parameters = excluded.parameters, status = 'running', result = NULL, error = NULL,
           started_at = excluded.started_at, ended_at = NULL
         WHERE actions.status = 'failed'
         RETURNING key`,
        [
          record.key,
          record.taskId,
          record.action,
          JSON.stringify(record.parameters ?? null),
          this.#now().toISOString(),
        ],
      );
      if (claimed) return undefined;
      // Taken: someone else's record, running or succeeded. Should it have failed (or gone) since, look again.
      const existing = await this.get(record.key);
      if (existing && existing.status !== 'failed') return existing;
    }
    throw new SystemError(
      'store-failed',
      `cannot claim action ${record.key}: its record kept changing under ${CLAIM_ATTEMPTS} attempts`,
      { isRetryable: true },
    );
  }

  async complete(key: string, outcome: { result: unknown } | { error: string }): Promise<ActionRecord> {
    const failed = 'error' in outcome;
    const row = await this.#queries.row(
      `cannot record the outcome of action ${key}`,
      'UPDATE actions SET status = $1, result = $2, error = $3, ended_at = $4 WHERE key = $5 RETURNING *',
      [
        failed ? 'failed' : 'succeeded',
        failed ? null : JSON.stringify(outcome.result ?? null),
        failed ? outcome.error : null,
        this.#now().toISOString(),
        key,
      ],
    );
    if (!row) throw new SystemError('store-failed', `action ${key} vanished from the store`);
    return toAction(row);
  }

  async get(key: string): Promise<ActionRecord | undefined> {
    const row = await this.#queries.row(`cannot read action ${key}`, 'SELECT * FROM actions WHERE key = $1', [
      key,
    ]);
    return row ? toAction(row) : undefined;
  }

  async list(taskId: string): Promise<ActionRecord[]> {
    const rows = await this.#queries.rows(
      `cannot list the actions of task ${taskId}`,
      'SELECT * FROM actions WHERE task_id = $1 ORDER BY started_at, key',
      [taskId],
    );
    return rows.map(toAction);
  }

  async createPullRequest(
    repository: string,
    fields: Pick<PullRequest, 'head' | 'base' | 'title' | 'body'>,
  ): Promise<PullRequest> {
    const row = await this.#queries.transaction(
      `cannot open a pull request on the local forge ${repository}`,
      async (client) => {
        // Numbers are per repository: one opener of a repository at a time, in any process.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `warden:pull_requests:${repository}`,
        ]);
        const now = this.#now().toISOString();
        const inserted = await client.query(
          `INSERT INTO pull_requests (repository, number, head, base, title, body, state, reviewers,
             created_at, updated_at)
           SELECT $1, COALESCE(MAX(number), 0) + 1, $2, $3, $4, $5, 'open', '[]', $6, $6
           FROM pull_requests WHERE repository = $1
           RETURNING *`,
          [repository, fields.head, fields.base, fields.title, fields.body, now],
        );
        return inserted.rows[0] as Record<string, unknown>;
      },
    );
    return toPullRequest(row);
  }

  async getPullRequest(repository: string, number: number): Promise<PullRequest | undefined> {
    const row = await this.#queries.row(
      `cannot read pull request #${number} of the local forge ${repository}`,
      'SELECT * FROM pull_requests WHERE repository = $1 AND number = $2',
      [repository, number],
    );
    return row ? toPullRequest(row) : undefined;
  }

  async updatePullRequest(
    repository: string,
    number: number,
    fields: Partial<Pick<PullRequest, 'title' | 'body' | 'state' | 'base' | 'reviewers'>>,
  ): Promise<PullRequest> {
    const current = await this.getPullRequest(repository, number);
    if (!current) throw missingPullRequest(repository, number);
    const next = { ...current, ...fields };
    const row = await this.#queries.row(
      `cannot update pull request #${number} of the local forge ${repository}`,
      `UPDATE pull_requests SET title = $1, body = $2, state = $3, base = $4, reviewers = $5, updated_at = $6
       WHERE repository = $7 AND number = $8 RETURNING *`,
      [
        next.title,
        next.body,
        next.state,
        next.base,
        JSON.stringify(next.reviewers),
        this.#now().toISOString(),
        repository,
        number,
      ],
    );
    if (!row) throw missingPullRequest(repository, number);
    return toPullRequest(row);
  }

  async listPullRequests(repository: string): Promise<PullRequest[]> {
    const rows = await this.#queries.rows(
      `cannot list the pull requests of the local forge ${repository}`,
      'SELECT * FROM pull_requests WHERE repository = $1 ORDER BY number',
      [repository],
    );
    return rows.map(toPullRequest);
  }

  async addComment(repository: string, number: number, body: string): Promise<PullRequestComment> {
    if (!(await this.getPullRequest(repository, number))) throw missingPullRequest(repository, number);
    const row = await this.#queries.row(
      `cannot comment on pull request #${number} of the local forge ${repository}`,
      `INSERT INTO pull_request_comments (repository, number, body, created_at) VALUES ($1, $2, $3, $4)
       RETURNING id`,
      [repository, number, body, this.#now().toISOString()],
    );
    const id = Number(row!.id);
    return { id, pullRequest: number, body, url: `${localUrl(repository, number)}#comment-${id}` };
  }

  async listComments(repository: string, number: number): Promise<PullRequestComment[]> {
    const rows = await this.#queries.rows(
      `cannot list the comments of pull request #${number} of the local forge ${repository}`,
      'SELECT id, body FROM pull_request_comments WHERE repository = $1 AND number = $2 ORDER BY id',
      [repository, number],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      pullRequest: number,
      body: row.body as string,
      url: `${localUrl(repository, number)}#comment-${Number(row.id)}`,
    }));
  }
}
