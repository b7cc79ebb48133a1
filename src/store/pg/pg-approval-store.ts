import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type {
  ApprovalDecisionInput,
  ApprovalFilter,
  ApprovalRequest,
  ApprovalStore,
  NewApprovalRequest,
} from '../../spec/approvals.ts';
import {
  type ApprovalStoreSettings,
  approvalContentHash,
  DEFAULT_APPROVAL_TTL_MS,
} from '../approvals-store.ts';
import { assertDecidable, decidedMeanwhile, toApprovalRequest } from '../internal/approval-rows.ts';
import { PgQueries, type PgRow } from './pg-queries.ts';

/**
 * The approval inbox in PostgreSQL, with the semantics of `SqliteApprovalStore`: `expired` is computed
 * when read, a decision and a consumption are single guarded updates, so of concurrent deciders or
 * consumers in any number of processes exactly one succeeds. Times are compared as ISO strings
 * (`COLLATE "C"`), as SQLite does. The constructor does no I/O; the pool's database must be migrated
 * (`migratePg`).
 */
export class PgApprovalStore implements ApprovalStore {
  readonly #queries: PgQueries;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor(pool: Pool, settings: ApprovalStoreSettings = {}) {
    this.#queries = new PgQueries(pool);
    this.#ttlMs = settings.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.#now = settings.now ?? (() => new Date());
  }

  async file(request: NewApprovalRequest): Promise<ApprovalRequest> {
    const now = this.#now();
    const id = `apr-${randomBytes(5).toString('hex')}`;
    const subject = request.subject;
    const tool = subject.kind === 'tool' ? subject.tool : subject.action;
    const input = subject.kind === 'tool' ? subject.input : subject.parameters;
    const row = await this.#queries.row(
      `cannot file an approval request of task ${request.taskId}`,
      `INSERT INTO approvals (id, task_id, kind, tool, input, reasons, policy_ids, content_hash, created_at,
         expires_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending') RETURNING *`,
      [
        id,
        request.taskId,
        subject.kind,
        tool,
        JSON.stringify(input ?? null),
        JSON.stringify(request.reasons),
        JSON.stringify(request.policyIds),
        approvalContentHash(subject),
        now.toISOString(),
        new Date(now.getTime() + this.#ttlMs).toISOString(),
      ],
    );
    return this.#toRequest(row!);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = await this.#queries.row(
      `cannot read approval request ${id}`,
      'SELECT * FROM approvals WHERE id = $1',
      [id],
    );
    return row ? this.#toRequest(row) : undefined;
  }

  async findApproval(taskId: string, contentHash: string): Promise<ApprovalRequest | undefined> {
    const row = await this.#queries.row(
      `cannot read the approval requests of task ${taskId}`,
      `SELECT * FROM approvals WHERE task_id = $1 AND content_hash = $2
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [taskId, contentHash],
    );
    return row ? this.#toRequest(row) : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<ApprovalRequest[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const next = (value: unknown) => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    if (filter.taskId !== undefined) conditions.push(`task_id = ${next(filter.taskId)}`);
    const now = this.#now().toISOString();
    if (filter.status === 'pending' || filter.status === 'approved') {
      conditions.push(`status = ${next(filter.status)} AND expires_at > ${next(now)}`);
    } else if (filter.status === 'expired') {
      conditions.push(`status IN ('pending', 'approved') AND expires_at <= ${next(now)}`);
    } else if (filter.status === 'denied' || filter.status === 'used') {
      conditions.push(`status = ${next(filter.status)}`);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.#queries.rows(
      'cannot list approval requests',
      `SELECT * FROM approvals ${where} ORDER BY created_at DESC, seq DESC LIMIT ${next(filter.limit ?? 100)}`,
      parameters,
    );
    return rows.map((row) => this.#toRequest(row));
  }

  async decide(id: string, decision: ApprovalDecisionInput): Promise<ApprovalRequest> {
    assertDecidable(id, await this.get(id));
    // The status guard makes a concurrent second decision (in any process) a no-op we can detect.
    const row = await this.#queries.row(
      `cannot decide approval request ${id}`,
      `UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4
       WHERE id = $5 AND status = 'pending' RETURNING *`,
      [
        decision.approve ? 'approved' : 'denied',
        decision.by,
        this.#now().toISOString(),
        decision.reason ?? null,
        id,
      ],
    );
    if (!row) throw decidedMeanwhile(id);
    return this.#toRequest(row);
  }

  async consume(id: string): Promise<boolean> {
    // One guarded update: a second consumer waits on the row lock, then finds it `used` and changes nothing.
    const changes = await this.#queries.changes(
      `cannot spend approval ${id}`,
      `UPDATE approvals SET status = 'used' WHERE id = $1 AND status = 'approved' AND expires_at > $2`,
      [id, this.#now().toISOString()],
    );
    return changes === 1;
  }

  #toRequest(row: PgRow): ApprovalRequest {
    return toApprovalRequest(row, this.#now().getTime());
  }
}
