import type { Journal } from '../journal/index.ts';
import type { ActionName } from '../spec/actions.ts';
import type { ApprovalOutcome, ApprovalStore, ApprovalSubject } from '../spec/approvals.ts';
import type { Decision, ToolCall } from '../spec/types.ts';
import { approvalContentHash } from '../store/index.ts';
import { journalApprovalRequest, type RedactText } from './approval-journal.ts';

export interface ApprovalInboxSettings {
  store: ApprovalStore;
  /** Where filed requests are journaled; undefined: not journaled (tests). */
  journal?: Journal;
  /** Scrubs secrets from what is journaled. */
  redact?: RedactText;
}

/**
 * Answers "has a human approved exactly this call?" for a task. The first time it files a pending
 * request (durably, journaled) and answers `pending`; while it waits, the same call gets the same
 * request; after a decision, the same content gets `denied`, or `approved` exactly once: answering
 * `approved` spends the approval, so the same call a second time is a new request. A changed call, or
 * one whose request expired, gets a new request. Serves as the agent loop's approval gate (`request`)
 * and as the action gateway's (`requestAction`).
 */
export class ApprovalInbox {
  readonly #settings: ApprovalInboxSettings;

  constructor(settings: ApprovalInboxSettings) {
    this.#settings = settings;
  }

  /** The gate for a tool call the policy answered with `ask`. */
  request(taskId: string, call: ToolCall, decision: Decision): Promise<ApprovalOutcome> {
    return this.#gate(taskId, { kind: 'tool', tool: call.name, input: call.input }, decision);
  }

  /** The gate for an external action that needs a human. */
  requestAction(
    taskId: string,
    action: ActionName,
    parameters: unknown,
    decision: Decision,
  ): Promise<ApprovalOutcome> {
    return this.#gate(taskId, { kind: 'action', action, parameters }, decision);
  }

  async #gate(taskId: string, subject: ApprovalSubject, decision: Decision): Promise<ApprovalOutcome> {
    const { store, journal, redact } = this.#settings;
    const existing = await store.findApproval(taskId, approvalContentHash(subject));
    // Spent here, before the call runs: a crash between the two loses the approval, never repeats it.
    if (existing?.status === 'approved' && (await store.consume(existing.id))) {
      return { status: 'approved', approvalId: existing.id, by: existing.decidedBy ?? 'unknown' };
    }
    if (existing?.status === 'denied') {
      return {
        status: 'denied',
        approvalId: existing.id,
        by: existing.decidedBy ?? 'unknown',
        reason: existing.decisionReason ?? 'denied without a reason',
      };
    }
    if (existing?.status === 'pending') return { status: 'pending', approvalId: existing.id };
    const filed = await store.file({
      taskId,
      subject,
      reasons: decision.reasons,
      policyIds: decision.policyIds,
    });
    if (journal) await journalApprovalRequest(journal, filed, redact);
    return { status: 'pending', approvalId: filed.id };
  }
}
