import type { Decision, ToolCall } from '../spec/types.ts';

/** Where a call that policy answered with `ask` stands. */
export type ApprovalStatus =
  | { status: 'approved'; approvalId: string; by: string }
  | { status: 'denied'; approvalId: string; by: string; reason: string }
  | { status: 'pending'; approvalId: string };

/**
 * What the loop asks when policy says `ask`: has a human approved exactly this call? The first time, the
 * gate files a request (durably) and answers `pending`, and the task pauses; after a decision, the same
 * call (same content) gets `approved` or `denied`. A changed call is a new request.
 */
export interface ApprovalGate {
  request(taskId: string, call: ToolCall, decision: Decision): Promise<ApprovalStatus>;
}
