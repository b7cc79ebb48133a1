import { html } from 'hono/html';
import type { TaskStatus } from '../../spec/types.ts';
import type { Warden } from '../../warden/index.ts';
import { badge, type Html, percent, usd, when } from './layout.ts';

/** Statuses in the order the overview lists them. */
export const STATUSES: readonly TaskStatus[] = [
  'running',
  'awaiting_approval',
  'succeeded',
  'unverified',
  'failed',
  'stopped',
  'interrupted',
  'already-done',
  'not-actionable',
  'blocked',
];

const DAY_MS = 86_400_000;

/**
 * The fleet at a glance: tasks by status, cost per verified success, the first-pass accept rate of
 * Warden's pull requests, today's spend against the configured daily limits, and the open breakers.
 */
export async function overviewPage(warden: Warden, now = Date.now()): Promise<Html> {
  const sinceMidnight = now - Math.floor(now / DAY_MS) * DAY_MS;
  const [counts, total, today, byAgent, byTeam, pending, outcomes] = await Promise.all([
    warden.taskCounts(),
    warden.costReport({ now }),
    warden.costReport({ now, sinceMs: sinceMidnight }),
    warden.costReport({ now, sinceMs: sinceMidnight, by: 'agent' }),
    warden.costReport({ now, sinceMs: sinceMidnight, by: 'team' }),
    warden.approvals(),
    warden.outcomes(),
  ]);
  const open = (await warden.breakers()).filter((breaker) => breaker.state !== 'closed');
  const { limits, budget } = warden.config;
  const statuses = [
    ...STATUSES,
    ...Object.keys(counts).filter((status) => !STATUSES.includes(status as TaskStatus)),
  ];

  const budgets = [
    { scope: 'fleet', spent: today.spendUsd, limit: limits.fleetDailyUsd },
    ...(byAgent.groups ?? []).map((group) => ({
      scope: `agent ${group.key}`,
      spent: group.spendUsd,
      limit: limits.agentDailyUsd,
    })),
    ...(byTeam.groups ?? []).map((group) => ({
      scope: `team ${group.key}`,
      spent: group.spendUsd,
      limit: limits.teamDailyUsd,
    })),
  ];

  return html`<div class="cards">
<div class="card"><div class="figure" data-figure="cost-per-success">${usd(total.costPerSuccessUsd)}</div><div class="label">cost per verified success (${total.succeeded} of ${total.tasks} tasks, ${usd(total.spendUsd)} spent)</div></div>
<div class="card"><div class="figure" data-figure="first-pass">${percent(outcomes.firstPassAcceptRate)}</div><div class="label">first-pass accept rate (${outcomes.pulls} pull requests, ${outcomes.open} open)</div></div>
<div class="card"><div class="figure">${usd(today.spendUsd)}</div><div class="label">spent today (UTC)${limits.fleetDailyUsd === null ? '' : ` of ${usd(limits.fleetDailyUsd)}`}</div></div>
<div class="card"><div class="figure"><a href="/approvals">${pending.length}</a></div><div class="label">approvals waiting</div></div>
<div class="card"><div class="figure">${open.length}</div><div class="label">open breakers</div></div>
</div>

<h2>Tasks by status</h2>
<table id="status-counts"><thead><tr><th>status</th><th class="num">tasks</th></tr></thead><tbody>
${statuses.map(
  (status) =>
    html`<tr><td><a href="/tasks?status=${encodeURIComponent(status)}">${badge(status)}</a></td><td class="num">${counts[status as TaskStatus] ?? 0}</td></tr>`,
)}
</tbody></table>

<h2>Spend today against budgets</h2>
<p class="meta">Daily limits reset at 00:00 UTC. Each task is also held to ${usd(budget.maxUsd)} and ${budget.maxSteps} model calls (<code>budget</code>).</p>
<table id="budgets"><thead><tr><th>scope</th><th class="num">spent today</th><th class="num">daily limit</th><th class="num">used</th></tr></thead><tbody>
${budgets.map(
  (row) =>
    html`<tr><td>${row.scope}</td><td class="num">${usd(row.spent)}</td><td class="num">${row.limit === null ? 'no limit' : usd(row.limit)}</td><td class="num">${row.limit === null ? '—' : percent(row.spent / row.limit)}</td></tr>`,
)}
</tbody></table>

<h2>Open breakers</h2>
${
  open.length === 0
    ? html`<p class="meta" id="breakers">No breaker is open.</p>`
    : html`<table id="breakers"><thead><tr><th>scope</th><th>kind</th><th>state</th><th>reason</th><th>opened</th><th>closes</th></tr></thead><tbody>
${open.map(
  (breaker) =>
    html`<tr><td>${breaker.scope}</td><td>${breaker.kind}</td><td>${badge(breaker.state)}</td><td>${breaker.reason}</td><td>${when(breaker.openedAt)}</td><td>${breaker.closesAt === null ? 'on reset (warden breakers reset)' : when(breaker.closesAt)}</td></tr>`,
)}
</tbody></table>`
}`;
}
