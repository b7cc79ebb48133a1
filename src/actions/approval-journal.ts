import type { Journal } from '../journal/index.ts';
import type { ApprovalRequest } from '../spec/approvals.ts';
import type { JournalEvent } from '../spec/journal-events.ts';

/** Redacts secrets from text headed for the journal (the credential broker's `redact`). */
export type RedactText = (text: string) => string;

/**
 * Journals a filed request as an `approval-request` event of its task: the exact call, why it was
 * asked, the policies, the content hash and the expiry. `redact` (optional) scrubs known secrets first.
 */
export async function journalApprovalRequest(
  journal: Journal,
  request: ApprovalRequest,
  redact?: RedactText,
): Promise<JournalEvent<'approval-request'>> {
  return await journal.append(
    request.taskId,
    'approval-request',
    scrub(
      {
        approvalId: request.id,
        kind: request.kind,
        tool: request.tool,
        input: request.input,
        reasons: request.reasons,
        policyIds: request.policyIds,
        contentHash: request.contentHash,
        expiresAt: request.expiresAt,
      },
      redact,
    ),
  );
}

/** Journals a human's decision on a request as an `approval-decision` event of its task. */
export async function journalApprovalDecision(
  journal: Journal,
  request: ApprovalRequest,
  redact?: RedactText,
): Promise<JournalEvent<'approval-decision'>> {
  return await journal.append(
    request.taskId,
    'approval-decision',
    scrub(
      {
        approvalId: request.id,
        tool: request.tool,
        status: request.status,
        decidedBy: request.decidedBy,
        decisionReason: request.decisionReason,
        contentHash: request.contentHash,
      },
      redact,
    ),
  );
}

function scrub<T>(fields: T, redact: RedactText | undefined): T {
  if (!redact) return fields;
  // Redaction replaces secrets inside string values only, so the fields keep their shape.
  return JSON.parse(redact(JSON.stringify(fields))) as T;
}
