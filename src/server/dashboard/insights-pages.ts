import { html } from 'hono/html';
import { z } from 'zod';
import type { Warden } from '../../warden/index.ts';
import { type Html, percent, usd } from './layout.ts';
import { columnChart, stackedBarChart } from './svg-chart.ts';

const DAY_MS = 86_400_000;

/** `?days=`: the period the policy and cost pages cover, ending now. */
export const PeriodQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(30),
});

const SEGMENTS = [
  { name: 'allow', className: 'seg-allow' },
  { name: 'ask', className: 'seg-ask' },
  { name: 'deny', className: 'seg-deny' },
] as const;

/** Policy decisions of the period: per tool, policy and agent, as charts and with their rates. */
export async function policyPage(warden: Warden, days: number, now = Date.now()): Promise<Html> {
  const stats = await warden.policyStats({ since: new Date(now - days * DAY_MS) });
  const section = (title: string, id: string, rows: typeof stats.byTool) =>
    html`<h2>By ${title}</h2>
${stackedBarChart({
  rows: rows.map((row) => ({ label: row.key, values: [row.allow, row.ask, row.deny] })),
  segments: SEGMENTS,
  caption: `Decisions per ${title} over the last ${days} days`,
})}
<table id="${id}"><thead><tr><th>${title}</th><th class="num">decisions</th><th class="num">allow</th><th class="num">ask</th><th class="num">deny</th><th class="num">rejection rate</th><th class="num">ask rate</th></tr></thead><tbody>
${rows.map(
  (row) =>
    html`<tr><td>${row.key}</td><td class="num">${row.total}</td><td class="num">${row.allow}</td><td class="num">${row.ask}</td><td class="num">${row.deny}</td><td class="num">${percent(row.rejectionRate)}</td><td class="num">${percent(row.askRate)}</td></tr>`,
)}
</tbody></table>`;
  return html`${periodForm('/policy', days)}
<p id="decision-total">${stats.decisions} decisions over the last ${days} days.</p>
${section('tool', 'by-tool', stats.byTool)}
${section('policy', 'by-policy', stats.byPolicy)}
${section('agent', 'by-agent', stats.byAgent)}`;
}

/** Spend of the period per UTC day as a chart, then per agent and per model. */
export async function costsPage(warden: Warden, days: number, now = Date.now()): Promise<Html> {
  const sinceMs = days * DAY_MS;
  const [byDay, byAgent, byModel] = await Promise.all([
    warden.costReport({ now, sinceMs, by: 'day' }),
    warden.costReport({ now, sinceMs, by: 'agent' }),
    warden.costReport({ now, sinceMs, by: 'model' }),
  ]);
  const spent = new Map((byDay.groups ?? []).map((group) => [group.key, group]));
  const columns = Array.from({ length: days }, (_, index) => {
    const day = new Date(now - (days - 1 - index) * DAY_MS).toISOString().slice(0, 10);
    const group = spent.get(day);
    return {
      label: day.slice(5),
      value: group?.spendUsd ?? 0,
      title: `${day}: ${usd(group?.spendUsd ?? 0)}, ${group?.tasks ?? 0} tasks, ${group?.succeeded ?? 0} verified successes`,
    };
  });
  const table = (title: string, id: string, groups: typeof byAgent.groups) =>
    html`<h2>By ${title}</h2>
<table id="${id}"><thead><tr><th>${title}</th><th class="num">spend</th><th class="num">tasks</th><th class="num">verified successes</th><th class="num">cost per success</th><th class="num">calls</th><th class="num">cache hits</th></tr></thead><tbody>
${(groups ?? []).map(
  (group) =>
    html`<tr><td>${group.key}</td><td class="num">${usd(group.spendUsd)}</td><td class="num">${group.tasks}</td><td class="num">${group.succeeded}</td><td class="num">${usd(group.costPerSuccessUsd)}</td><td class="num">${group.calls}</td><td class="num">${percent(group.cacheHitRatio)}</td></tr>`,
)}
</tbody></table>`;
  return html`${periodForm('/costs', days)}
<div class="cards">
<div class="card"><div class="figure" id="period-spend">${usd(byDay.spendUsd)}</div><div class="label">spent over the last ${days} days</div></div>
<div class="card"><div class="figure">${usd(byDay.costPerSuccessUsd)}</div><div class="label">cost per verified success (${byDay.succeeded} of ${byDay.tasks} tasks)</div></div>
<div class="card"><div class="figure">${usd(byDay.topTierCounterfactualUsd)}</div><div class="label">the same calls all on the top tier</div></div>
</div>
${columnChart({ columns, caption: `Spend per UTC day over the last ${days} days (USD)`, format: usd })}
${table('agent', 'cost-by-agent', byAgent.groups)}
${table('model', 'cost-by-model', byModel.groups)}`;
}

function periodForm(action: string, days: number): Html {
  return html`<form method="get" action="${action}" class="filters"><label>last <input type="number" name="days" min="1" max="365" value="${days}"> days</label> <button type="submit">Show</button></form>`;
}
