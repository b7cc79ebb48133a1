import { html } from 'hono/html';
import { z } from 'zod';
import type { ApprovalRequest } from '../../spec/approvals.ts';
import type { Warden } from '../../warden/index.ts';
import { badge, clip, type Html, when } from './layout.ts';

/** Decided requests the inbox shows under the pending ones. */
const RECENT = 20;

/** The form of an approve or deny button: an optional reason, kept with the decision. */
export const DecisionForm = z.strictObject({
  reason: z
    .string()
    .max(2000, 'at most 2000 characters')
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined)),
});

/** What the inbox says after a decision (from the redirect's query). */
export const DecidedQuery = z.object({
  decided: z.string().max(200).optional(),
  decision: z.enum(['approved', 'denied']).optional(),
  resumed: z.enum(['yes', 'no']).optional(),
});

/**
 * The approval inbox: each pending request with what it covers and why it was asked, and a form that
 * approves or denies it with a reason (posted back here, same origin only); then the latest decided ones.
 */
export async function approvalsPage(warden: Warden, notice: z.output<typeof DecidedQuery>): Promise<Html> {
  const all = await warden.approvals({ all: true });
  const pending = all.filter((request) => request.status === 'pending');
  const decided = all.filter((request) => request.status !== 'pending').slice(0, RECENT);
  return html`${
    notice.decided && notice.decision
      ? html`<p class="notice" id="decided">Request ${notice.decided} ${notice.decision}.${notice.resumed === 'yes' ? ' Its task is resuming.' : ''}</p>`
      : ''
  }
<h2>Pending (${pending.length})</h2>
${pending.length === 0 ? html`<p class="meta" id="no-pending">Nothing waits for a decision.</p>` : pending.map(pendingRequest)}
<h2>Recently decided</h2>
<table id="decided-requests"><thead><tr><th>request</th><th>task</th><th>tool</th><th>status</th><th>by</th><th>reason</th><th>decided</th></tr></thead><tbody>
${decided.map(
  (request) =>
    html`<tr><td>${request.id}</td><td><a href="/tasks/${encodeURIComponent(request.taskId)}">${request.taskId}</a></td><td>${request.tool}</td><td>${badge(request.status)}</td><td>${request.decidedBy ?? '—'}</td><td>${request.decisionReason ?? ''}</td><td>${when(request.decidedAt)}</td></tr>`,
)}
</tbody></table>`;
}

function pendingRequest(request: ApprovalRequest): Html {
  const action = `/approvals/${encodeURIComponent(request.id)}`;
  const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input, null, 2);
  return html`<section class="child approval" data-approval="${request.id}">
<h3>${request.kind} <code>${request.tool}</code> for task <a href="/tasks/${encodeURIComponent(request.taskId)}">${request.taskId}</a></h3>
<p>Asked because: ${request.reasons.length > 0 ? request.reasons.join('; ') : request.reason}${request.policyIds.length > 0 ? ` (${request.policyIds.join(', ')})` : ''}</p>
<pre>${clip(input ?? '', 8_000)}</pre>
<p class="meta">filed ${when(request.createdAt)} · expires ${when(request.expiresAt)} · covers exactly this call (content hash ${request.contentHash.slice(0, 16)}…), once</p>
<form method="post" action="${action}/approve" class="decide">
<label>reason <textarea name="reason" maxlength="2000" placeholder="why (kept in the journal)"></textarea></label>
<button type="submit" class="approve">Approve</button>
<button type="submit" class="deny" formaction="${action}/deny">Deny</button>
</form>
</section>`;
}
