import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  ActionRecord,
  ActionStore,
  PullRequest,
  PullRequestComment,
  PullRequestStore,
} from '../spec/actions.ts';
import { SystemError } from '../spec/errors.ts';
import { localUrl, missingPullRequest, toAction, toPullRequest } from './internal/action-rows.ts';

type Row = Record<string, SQLInputValue>;

/**
 * Action records (one per idempotency key) and the local forge's pull requests, in the embedded SQLite
 * file (shared through `SqliteStore.database`).
 */
export class SqliteActionStore implements ActionStore, PullRequestStore {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;

  constructor(database: DatabaseSync, settings: { now?: () => Date } = {}) {
    this.#db = database;
    this.#now = settings.now ?? (() => new Date());
  }

  async claim(
    record: Pick<ActionRecord, 'key' | 'taskId' | 'action' | 'parameters'>,
  ): Promise<ActionRecord | undefined> {
    return this.#transaction(() => {
      const existing = this.#db.prepare('SELECT * FROM actions WHERE key = ?').get(record.key) as
        | Row
        | undefined;
      if (existing && existing.status !== 'failed') return toAction(existing);
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO actions (key, task_id, action, parameters, status, result, error, started_at)
           VALUES (?, ?, ?, ?, 'running', NULL, NULL, ?)`,
        )
        .run(
          record.key,
          record.taskId,
          record.action,
          JSON.stringify(record.parameters ?? null),
          this.#now().toISOString(),
        );
      return undefined;
    });
  }

  async complete(key: string, outcome: { result: unknown } | { error: string }): Promise<ActionRecord> {
    const failed = 'error' in outcome;
    this.#write(`UPDATE actions SET status = ?, result = ?, error = ?, ended_at = ? WHERE key = ?`, [
      failed ? 'failed' : 'succeeded',
      failed ? null : JSON.stringify(outcome.result ?? null),
      failed ? outcome.error : null,
      this.#now().toISOString(),
      key,
    ]);
    const record = await this.get(key);
    if (!record) throw new SystemError('store-failed', `action ${key} vanished from the store`);
    return record;
  }

  async get(key: string): Promise<ActionRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM actions WHERE key = ?').get(key) as Row | undefined;
    return row ? toAction(row) : undefined;
  }

  async list(taskId: string): Promise<ActionRecord[]> {
    const rows = this.#db
      .prepare('SELECT * FROM actions WHERE task_id = ? ORDER BY started_at, key')
      .all(taskId) as Row[];
    return rows.map(toAction);
  }

  async createPullRequest(
    repository: string,
    fields: Pick<PullRequest, 'head' | 'base' | 'title' | 'body'>,
  ): Promise<PullRequest> {
    const number = this.#transaction(() => {
      const last = this.#db
        .prepare('SELECT MAX(number) AS number FROM pull_requests WHERE repository = ?')
        .get(repository) as { number: number | null };
      const next = (last.number ?? 0) + 1;
      const now = this.#now().toISOString();
      this.#db
        .prepare(
          `INSERT INTO pull_requests (repository, number, head, base, title, body, state, reviewers,
             created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'open', '[]', ?, ?)`,
        )
        .run(repository, next, fields.head, fields.base, fields.title, fields.body, now, now);
      return next;
    });
    return (await this.getPullRequest(repository, number))!;
  }

  async getPullRequest(repository: string, number: number): Promise<PullRequest | undefined> {
    const row = this.#db
      .prepare('SELECT * FROM pull_requests WHERE repository = ? AND number = ?')
      .get(repository, number) as Row | undefined;
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
    this.#write(
      `UPDATE pull_requests SET title = ?, body = ?, state = ?, base = ?, reviewers = ?, updated_at = ?
       WHERE repository = ? AND number = ?`,
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
    return (await this.getPullRequest(repository, number))!;
  }

  async listPullRequests(repository: string): Promise<PullRequest[]> {
    const rows = this.#db
      .prepare('SELECT * FROM pull_requests WHERE repository = ? ORDER BY number')
      .all(repository) as Row[];
    return rows.map(toPullRequest);
  }

  async addComment(repository: string, number: number, body: string): Promise<PullRequestComment> {
    if (!(await this.getPullRequest(repository, number))) throw missingPullRequest(repository, number);
    const result = this.#db
      .prepare('INSERT INTO pull_request_comments (repository, number, body, created_at) VALUES (?, ?, ?, ?)')
      .run(repository, number, body, this.#now().toISOString());
    const id = Number(result.lastInsertRowid);
    return { id, pullRequest: number, body, url: `${localUrl(repository, number)}#comment-${id}` };
  }

  async listComments(repository: string, number: number): Promise<PullRequestComment[]> {
    const rows = this.#db
      .prepare('SELECT * FROM pull_request_comments WHERE repository = ? AND number = ? ORDER BY id')
      .all(repository, number) as Row[];
    return rows.map((row) => ({
      id: Number(row.id),
      pullRequest: number,
      body: row.body as string,
      url: `${localUrl(repository, number)}#comment-${Number(row.id)}`,
    }));
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const value = work();
      this.#db.exec('COMMIT');
      return value;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw new SystemError('store-failed', `action store write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #write(sql: string, parameters: SQLInputValue[]): void {
    try {
      this.#db.prepare(sql).run(...parameters);
    } catch (error) {
      throw new SystemError('store-failed', `action store write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
