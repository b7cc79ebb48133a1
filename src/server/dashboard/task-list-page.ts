import { html } from 'hono/html';
import { z } from 'zod';
import type { TaskStatus } from '../../spec/types.ts';
import type { Warden } from '../../warden/index.ts';
import { badge, clip, type Html, usd, when } from './layout.ts';
import { STATUSES } from './overview-page.ts';

/** Tasks per page of the list. */
export const PAGE_SIZE = 25;
/** The last page the list serves: newest first, 5,000 tasks deep. */
const MAX_PAGE = 200;

/** `GET /tasks?status=&page=`: an empty status is every status. */
export const TaskListQuery = z.strictObject({
  status: z
    .union([z.literal(''), z.enum(STATUSES as [TaskStatus, ...TaskStatus[]])])
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  page: z.coerce.number().int().min(1).max(MAX_PAGE).default(1),
});

/** The task list, newest first, `PAGE_SIZE` a page, filtered by status in the store. */
export async function taskListPage(warden: Warden, query: z.output<typeof TaskListQuery>): Promise<Html> {
  const { status, page } = query;
  const offset = (page - 1) * PAGE_SIZE;
  // One more than the page holds says whether a next page exists.
  const found = await warden.tasks({ status, limit: offset + PAGE_SIZE + 1 });
  const tasks = found.slice(offset, offset + PAGE_SIZE);
  const details = await warden.taskDetails(tasks.map((task) => task.id));
  const link = (to: number) =>
    `/tasks?${new URLSearchParams({ ...(status ? { status } : {}), page: String(to) }).toString()}`;
  const options = STATUSES.map(
    (one) => html`<option value="${one}"${one === status ? html` selected` : ''}>${one}</option>`,
  );
  return html`<form method="get" action="/tasks" class="filters">
<label>status <select name="status"><option value="">any</option>${options}</select></label>
<button type="submit">Filter</button>
</form>
<table id="tasks"><thead><tr><th>task</th><th>status</th><th>prompt</th><th>requested by</th><th>trigger</th><th class="num">steps</th><th class="num">cost</th><th>created</th></tr></thead><tbody>
${
  tasks.length === 0
    ? html`<tr><td colspan="8">No task${status ? html` with status ${status}` : ''} on this page.</td></tr>`
    : tasks.map((task) => {
        const trigger = details.get(task.id)?.trigger;
        return html`<tr data-task="${task.id}"><td><a href="/tasks/${encodeURIComponent(task.id)}">${task.id}</a></td><td>${badge(task.status)}</td><td>${clip(task.prompt, 120)}</td><td>${task.requestedBy}</td><td>${trigger ? `${trigger.kind} ${trigger.event}` : '—'}</td><td class="num">${task.steps}</td><td class="num">${usd(task.costUsd)}</td><td>${when(task.createdAt)}</td></tr>`;
      })
}
</tbody></table>
<nav class="pager">
${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">← newer</a>` : ''}
<span>page ${page}</span>
${found.length > offset + PAGE_SIZE && page < MAX_PAGE ? html`<a href="${link(page + 1)}" rel="next">older →</a>` : ''}
</nav>`;
}
