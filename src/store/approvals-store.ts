import { randomBytes } from 'node:crypto';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  ApprovalDecisionInput,
  ApprovalFilter,
  ApprovalRequest,
  ApprovalStore,
  ApprovalSubject,
  NewApprovalRequest,
} from '../spec/approvals.ts';
import { canonicalHash } from '../spec/canonical-hash.ts';
import { SystemError } from '../spec/errors.ts';
import { assertDecidable, decidedMeanwhile, toApprovalRequest } from './internal/approval-rows.ts';

type Row = Record<string, SQLInputValue>;

/** How long a request (and an approval it gets) counts, unless configured: 24 hours. */
export const DEFAULT_APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;

/** How an approval store is set up: the life of a request and the clock. */
export interface ApprovalStoreSettings {
  /** Life of a request and of the approval it gets, in milliseconds. Default 24 hours. */
  ttlMs?: number;
  /** The clock; tests pass their own. */
  now?: () => Date;
}

/**
 * `canonicalHash` (SHA-256 of the RFC 8785 canonical JSON) of what is asked for: the tool and its exact
 * input, or the action and its exact parameters. Any change in the call changes the hash.
 */
export function approvalContentHash(subject: ApprovalSubject): string {
  return canonicalHash(
    subject.kind === 'tool'
      ? { kind: 'tool', tool: subject.tool, input: subject.input ?? null }
      : { kind: 'action', action: subject.action, parameters: subject.parameters ?? null },
  );
}

/**
 * The approval inbox in the embedded SQLite file (shared through `SqliteStore.database`). `expired` is
 * computed when read: a pending or approved request past `expiresAt` reads as `expired`; a denial stays
 * a denial and a used approval stays used.
 */
export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: DatabaseSync;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor(database: DatabaseSync, settings: ApprovalStoreSettings = {}) {
    this.#db = database;
    this.#ttlMs = settings.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.#now = settings.now ?? (() => new Date());
  }

  async file(request: NewApprovalRequest): Promise<ApprovalRequest> {
    const now = this.#now();
    const id = `apr-${randomBytes(5).toString('hex')}`;
    const subject = request.subject;
    const tool = subject.kind === 'tool' ? subject.tool : subject.action;
    const input = subject.kind === 'tool' ? subject.input : subject.parameters;
    this.#write(
      `INSERT INTO approvals (id, task_id, kind, tool, input, reasons, policy_ids, content_hash, created_at,
         expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
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
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = this.#db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? this.#toRequest(row) : undefined;
  }

  async findApproval(taskId: string, contentHash: string): Promise<ApprovalRequest | undefined> {
    const row = this.#db
      .prepare(
        `SELECT * FROM approvals WHERE task_id = ? AND content_hash = ?
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(taskId, contentHash) as Row | undefined;
    return row ? this.#toRequest(row) : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<ApprovalRequest[]> {
    const conditions: string[] = [];
    const parameters: SQLInputValue[] = [];
    if (filter.taskId !== undefined) {
      conditions.push('task_id = ?');
      parameters.push(filter.taskId);
    }
    const now = this.#now().toISOString();
    if (filter.status === 'pending' || filter.status === 'approved') {
      conditions.push('status = ? AND expires_at > ?');
      parameters.push(filter.status, now);
    } else if (filter.status === 'expired') {
      conditions.push(`status IN ('pending', 'approved') AND expires_at <= ?`);
      parameters.push(now);
    } else if (filter.status === 'denied' || filter.status === 'used') {
      conditions.push('status = ?');
      parameters.push(filter.status);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.#db
      .prepare(`SELECT * FROM approvals ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...parameters, filter.limit ?? 100) as Row[];
    return rows.map((row) => this.#toRequest(row));
  }

  async decide(id: string, decision: ApprovalDecisionInput): Promise<ApprovalRequest> {
    assertDecidable(id, await this.get(id));
    const status = decision.approve ? 'approved' : 'denied';
    // The status guard makes a concurrent second decision a no-op we can detect.
    const changes = this.#write(
      `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?
       WHERE id = ? AND status = 'pending'`,
      [status, decision.by, this.#now().toISOString(), decision.reason ?? null, id],
    );
    if (changes === 0) throw decidedMeanwhile(id);
    return (await this.get(id))!;
  }

  async consume(id: string): Promise<boolean> {
    // One guarded update: of two concurrent callers, only one sees a change.
    const changes = this.#write(
      `UPDATE approvals SET status = 'used' WHERE id = ? AND status = 'approved' AND expires_at > ?`,
      [id, this.#now().toISOString()],
    );
    return changes === 1;
  }

  #write(sql: string, parameters: SQLInputValue[]): number {
    try {
      return Number(this.#db.prepare(sql).run(...parameters).changes);
    } catch (error) {
      throw new SystemError('store-failed', `approval store write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #toRequest(row: Row): ApprovalRequest {
    return toApprovalRequest(row, this.#now().getTime());
  }
}
