import type { ApprovalRequest, ApprovalState } from '../../spec/approvals.ts';
import { UserError } from '../../spec/errors.ts';

/**
 * An `approvals` row as the request it holds, read the same from SQLite and PostgreSQL. `expired` is
 * computed here, at `nowMs`: a pending or approved request past `expires_at` reads as `expired`; a
 * denial stays a denial and a used approval stays used.
 */
export function toApprovalRequest(row: Record<string, unknown>, nowMs: number): ApprovalRequest {
  const stored = row.status as 'pending' | 'approved' | 'denied' | 'used';
  const expiresAt = row.expires_at as string;
  const final = stored === 'denied' || stored === 'used';
  const expired = !final && Date.parse(expiresAt) <= nowMs;
  const status: ApprovalState = expired ? 'expired' : stored;
  const reasons = JSON.parse(row.reasons as string) as string[];
  return {
    id: row.id as string,
    taskId: row.task_id as string,
    kind: row.kind as ApprovalRequest['kind'],
    tool: row.tool as string,
    input: JSON.parse(row.input as string) as unknown,
    reason: reasons.join('; '),
    reasons,
    policyIds: JSON.parse(row.policy_ids as string) as string[],
    contentHash: row.content_hash as string,
    createdAt: row.created_at as string,
    expiresAt,
    status,
    decidedBy: (row.decided_by as string | null) ?? null,
    decidedAt: (row.decided_at as string | null) ?? null,
    decisionReason: (row.decision_reason as string | null) ?? null,
  };
}

/**
 * Throws why request `id` (`current`, as read now) cannot be decided: `approval-not-found`,
 * `approval-expired` or `approval-decided`, all `UserError`s. Returns when it is pending.
 */
export function assertDecidable(id: string, current: ApprovalRequest | undefined): void {
  if (!current) {
    throw new UserError('approval-not-found', `no approval request has the id ${JSON.stringify(id)}`, {
      hint: 'list pending requests with `warden approvals`',
    });
  }
  if (current.status === 'expired') {
    throw new UserError('approval-expired', `approval request ${id} expired at ${current.expiresAt}`, {
      hint: 'resume the task to file a new request',
    });
  }
  if (current.status !== 'pending') {
    throw new UserError(
      'approval-decided',
      `approval request ${id} was already ${current.status} by ${current.decidedBy ?? 'someone'}`,
    );
  }
}

/** The error for a request another decider decided between our read and our write. */
export function decidedMeanwhile(id: string): UserError {
  return new UserError('approval-decided', `approval request ${id} was decided by someone else meanwhile`);
}
