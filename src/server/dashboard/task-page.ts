import { html } from 'hono/html';
import { childrenOf, type Warden } from '../../warden/index.ts';
import { badge, clip, type Html, usd, when } from './layout.ts';
import { timeline } from './timeline.ts';

/**
 * One task: its status, prompt, branch and diff stat, trigger, shadow result, the journal's
 * verification, its children (stages, subtasks, roles) and the whole trajectory as a timeline.
 *
 * @throws UserError `task-not-found`.
 */
export async function taskPage(warden: Warden, id: string): Promise<{ title: string; body: Html }> {
  const { task, events, verification } = await warden.trace(id);
  const details = (await warden.taskDetails([task.id])).get(task.id);
  const branch = events.findLast((event) => event.type === 'branch-created');
  const trigger = details?.trigger ?? null;
  const shadow = details?.shadow ?? null;
  const children = childrenOf(events);
  const pending = (await warden.approvals()).filter((request) => request.taskId === task.id);
  // A link only to a web page: a trigger's url came with a webhook.
  const triggerLink = trigger?.url && /^https?:\/\//.test(trigger.url) ? trigger.url : undefined;

  const body = html`<table class="facts" id="task-facts"><tbody>
<tr><th>status</th><td>${badge(task.status)}${task.stopReason ? ` (${task.stopReason})` : ''}</td></tr>
<tr><th>prompt</th><td><pre id="prompt">${clip(task.prompt, 20_000)}</pre></td></tr>
<tr><th>repository</th><td>${task.repo} at ${task.baseCommit.slice(0, 12)}</td></tr>
<tr><th>model</th><td>${task.model}</td></tr>
<tr><th>requested by</th><td>${task.requestedBy}</td></tr>
<tr><th>steps · cost</th><td>${task.steps} model calls · ${usd(task.costUsd)}</td></tr>
<tr><th>created · ended</th><td>${when(task.createdAt)} · ${when(task.endedAt)}</td></tr>
<tr><th>branch</th><td id="branch">${
    branch && branch.type === 'branch-created'
      ? html`<code>${branch.branch}</code> at ${branch.commit.slice(0, 12)} · ${branch.stat.filesChanged} files changed, +${branch.stat.insertions} −${branch.stat.deletions}`
      : (task.branch ?? 'none')
  }</td></tr>
<tr><th>trigger</th><td id="trigger">${
    trigger
      ? html`${trigger.kind} ${trigger.event} by ${trigger.actor}${trigger.repository ? ` on ${trigger.repository}` : ''}${trigger.number === undefined ? '' : ` #${trigger.number}`}${triggerLink ? html` · <a href="${triggerLink}" rel="noreferrer">link</a>` : ''}`
      : 'started by a person'
  }</td></tr>
<tr><th>shadow result</th><td id="shadow">${
    shadow
      ? html`would have ${shadow.kind === 'comment' ? 'commented' : 'opened a pull request'} on ${shadow.repository ?? '(no forge)'}${shadow.branch ? ` from ${shadow.branch}` : ''}: <strong>${shadow.title}</strong><details><summary>body</summary><pre>${clip(shadow.body, 20_000)}</pre></details>`
      : 'not in shadow mode'
  }</td></tr>
<tr><th>journal</th><td id="verification">${
    verification.ok
      ? `${events.length} events, chain verified (${verification.state}${verification.checkpoint ? `, checkpoint ${verification.checkpoint}` : ', not yet sealed'})`
      : html`<span class="error">chain BROKEN at event ${verification.brokenAt}: ${verification.problem}</span>`
  }</td></tr>
</tbody></table>
${
  pending.length > 0
    ? html`<p class="notice">This task waits for ${pending.length} approval${pending.length === 1 ? '' : 's'}: <a href="/approvals">decide in the approvals inbox</a>.</p>`
    : ''
}
${
  children.length > 0
    ? html`<h2>Children</h2><table id="children"><thead><tr><th>child</th><th>status</th><th class="num">calls</th><th class="num">cost</th><th>check</th><th>detail</th></tr></thead><tbody>${children.map(
        (child) =>
          html`<tr><td>${child.id}</td><td>${badge(child.status)}</td><td class="num">${child.steps}</td><td class="num">${usd(child.costUsd)}</td><td>${child.verification}</td><td>${child.detail ?? ''}</td></tr>`,
      )}</tbody></table>`
    : ''
}
<h2>Trajectory</h2>
${timeline(events)}`;
  return { title: `Task ${task.id}`, body };
}
