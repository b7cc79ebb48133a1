import type { EvalReport, InstanceSummary } from './eval-report.ts';

/**
 * The report of `warden eval run` as one self-contained HTML page (`DIR/report.html`): the run's header,
 * its headline figures, SWE-bench's id lists, a row per instance, and inline SVG charts beside the table
 * (pass@1 and cost per instance, pass^k by k).
 *
 * Nothing is loaded from elsewhere and nothing runs: the page has no script, and its
 * Content-Security-Policy allows only the inline style sheet and `data:` images. Every string of the
 * report (instance ids, repositories, the suite path, the agent and model) is escaped, since a report is
 * built from an untrusted suite and untrusted model output.
 *
 * Pure: no I/O, and nothing thrown for a value of the `EvalReport` shape (a figure that is not a finite
 * number is shown as `—`).
 */
export function renderHtmlReport(report: EvalReport): string {
  const run = report.warden;
  const title = `Eval report: ${run.suite}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Markup(STYLE)}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<dl class="run" id="run">
<dt>Suite</dt><dd><code>${run.suite}</code></dd>
<dt>Source</dt><dd>${run.source}</dd>
<dt>Agent</dt><dd>${run.agent ?? '—'}</dd>
<dt>Model</dt><dd>${run.model ?? '—'}</dd>
<dt>Epochs</dt><dd>${count(run.epochs)}</dd>
<dt>When</dt><dd>${when(run.startedAt)} to ${when(run.finishedAt)}${took(run.startedAt, run.finishedAt)}</dd>
</dl>
</header>
<main>
<section aria-labelledby="headline-heading">
<h2 id="headline-heading">Headline</h2>
${headline(report)}
</section>
<section aria-labelledby="outcomes-heading" id="outcomes">
<h2 id="outcomes-heading">Outcomes of epoch 1 (SWE-bench's lists)</h2>
${idList('resolved', 'Resolved', report.resolved_ids)}
${idList('unresolved', 'Unresolved', report.unresolved_ids)}
${idList('error', 'Error', report.error_ids)}
${idList('empty-patch', 'Empty patch', report.empty_patch_ids)}
${report.incomplete_ids.length > 0 ? idList('incomplete', 'Incomplete', report.incomplete_ids) : ''}
</section>
<section aria-labelledby="instances-heading">
<h2 id="instances-heading">Instances</h2>
<div class="beside">
<div class="scroll">${instanceTable(run.instances)}</div>
<div class="charts">${charts(report)}</div>
</div>
</section>
</main>
</body>
</html>
`.text;
}

function headline(report: EvalReport): Markup {
  const totals = report.warden.totals;
  const hatK = sortedPassHatK(totals.passHatK).map(([k, value]) =>
    figure(`pass-hat-${k}`, `pass^${k}`, percent(value), `all ${k} trials resolve`),
  );
  return html`<dl class="cards" id="headline">
${figure('resolved', 'Resolved', `${count(report.resolved_instances)} of ${count(report.total_instances)}`, `${count(totals.resolvedTrials)} of ${count(totals.trials)} trials`)}
${figure('pass-at-1', 'pass@1', percent(totals.passAt1), 'mean over instances')}
${hatK}
${figure('cost', 'Cost', usd(totals.costUsd))}
${figure('cost-per-resolved', 'Cost per resolved', usd(totals.costPerResolvedUsd), 'failed trials count')}
${figure('tokens', 'Tokens', count(totals.tokens))}
${figure('wall', 'Wall time per trial', `${duration(totals.wallMsP50)} / ${duration(totals.wallMsP95)}`, 'p50 / p95')}
${figure('tool-error-rate', 'Tool-error rate', percent(totals.toolErrorRate))}
${figure('policy-denials', 'Policy denials', count(totals.policyDenials))}
${figure('early-exits', 'Early exits', count(totals.earlyExits), 'ended before any model call')}
</dl>`;
}

function figure(key: string, label: string, value: string, note?: string): Markup {
  const detail = note === undefined ? '' : html` <span class="note">${note}</span>`;
  return html`<div class="card" data-figure="${key}"><dt>${label}</dt><dd><span class="figure">${value}</span>${detail}</dd></div>`;
}

function idList(key: string, label: string, ids: readonly string[]): Markup {
  const items =
    ids.length === 0
      ? html`<p class="none">none</p>`
      : html`<ul class="ids" id="${key}-ids">${ids.map((id) => html`<li><code>${id}</code></li>`)}</ul>`;
  // A long list starts folded, so the table is not pushed far down.
  return html`<details${new Markup(ids.length <= 40 ? ' open' : '')}><summary>${label} (${count(ids.length)})</summary>${items}</details>`;
}

const STATUS_LABELS: Record<string, string> = {
  resolved: 'resolved',
  unresolved: 'unresolved',
  error: 'error',
  empty_patch: 'empty patch',
};

const TEXT_COLUMNS = ['Instance', 'Repository', 'Status (epoch 1)'];
const NUMBER_COLUMNS = [
  ...['Resolved / trials', 'pass@1', 'pass^k (k = trials)', 'Cost', 'Tokens', 'Wall p50'],
  ...['Tool calls / errors', 'Policy denials', 'Early exits'],
];

function instanceTable(instances: readonly InstanceSummary[]): Markup {
  const rows = instances.map((instance) => {
    const known = Object.hasOwn(STATUS_LABELS, instance.status);
    const status = html`<span class="status status-${known ? instance.status : 'other'}">${known ? STATUS_LABELS[instance.status]! : instance.status}</span>`;
    return html`<tr data-instance="${instance.instanceId}">
<th scope="row"><code>${instance.instanceId}</code></th><td>${instance.repo}</td><td>${status}</td>
<td class="number">${count(instance.resolvedTrials)}/${count(instance.trials)}</td>
<td class="number">${percent(instance.passAt1)}</td><td class="number">${percent(instance.passHatK)}</td>
<td class="number">${usd(instance.costUsd)}</td><td class="number">${count(instance.tokens)}</td>
<td class="number">${duration(instance.wallMsP50)}</td>
<td class="number">${count(instance.toolCalls)} / ${count(instance.toolErrors)}</td>
<td class="number">${count(instance.policyDenials)}</td><td class="number">${count(instance.earlyExits)}</td>
</tr>`;
  });
  const empty = html`<tr><td colspan="12" class="none">No instance was evaluated.</td></tr>`;
  const headers = html`${TEXT_COLUMNS.map((label) => html`<th scope="col">${label}</th>`)}${NUMBER_COLUMNS.map((label) => html`<th scope="col" class="number">${label}</th>`)}`;
  return html`<table id="instances">
<caption>One row per instance: its status is epoch 1's, its other figures cover every epoch.</caption>
<thead><tr>${headers}</tr></thead>
<tbody>${instances.length === 0 ? empty : rows}</tbody>
</table>`;
}

function charts(report: EvalReport): Markup {
  const instances = report.warden.instances;
  const bar = (label: string, value: number, text: string): Bar => ({ label, value, text });
  const passAt1 = instances.map(({ instanceId, passAt1 }) => bar(instanceId, passAt1, percent(passAt1)));
  const cost = instances.map(({ instanceId, costUsd }) => bar(instanceId, costUsd, usd(costUsd)));
  const maxCost = Math.max(0, ...cost.map((entry) => finiteOr(entry.value, 0)));
  const hatK = sortedPassHatK(report.warden.totals.passHatK).map(([k, value]) =>
    bar(`k = ${k}`, value, percent(value)),
  );
  return html`${barChart('pass-at-1-chart', 'pass@1 per instance: resolved trials over trials', 1, passAt1)}
${barChart('cost-chart', 'Cost per instance, every epoch (USD)', maxCost, cost)}
${barChart('pass-hat-k-chart', 'pass^k by k: the chance that k trials of an instance all resolve it, mean over instances', 1, hatK)}`;
}

/** One bar of a chart: its label, its value on the chart's scale, and the value as a reader sees it. */
interface Bar {
  label: string;
  value: number;
  text: string;
}

const CHART_WIDTH = 480;
const LABEL_WIDTH = 170;
const ROW_HEIGHT = 20;

/** A horizontal bar chart as inline SVG: a labelled bar per entry, scaled to `max`, its value after it. */
function barChart(id: string, caption: string, max: number, bars: readonly Bar[]): Markup {
  const room = CHART_WIDTH - LABEL_WIDTH - 70;
  const height = bars.length * ROW_HEIGHT + 8;
  const rows = bars.map((bar, index) => {
    const y = 4 + index * ROW_HEIGHT;
    const share = max > 0 ? Math.min(1, Math.max(0, finiteOr(bar.value, 0) / max)) : 0;
    const width = (share * room).toFixed(1);
    const label = bar.label.length > 24 ? `${bar.label.slice(0, 23)}…` : bar.label;
    return html`<g><title>${bar.label}: ${bar.text}</title><text class="label" x="${LABEL_WIDTH - 6}" y="${y + 13}" text-anchor="end">${label}</text><rect class="bar" x="${LABEL_WIDTH}" y="${y + 2}" width="${width}" height="${ROW_HEIGHT - 6}"></rect><text class="value" x="${(LABEL_WIDTH + share * room + 4).toFixed(1)}" y="${y + 13}">${bar.text}</text></g>`;
  });
  return html`<figure class="chart">
<svg id="${id}" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-labelledby="${id}-title" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${caption}</title>
${rows}
</svg>
<figcaption>${caption}</figcaption>
</figure>`;
}

function sortedPassHatK(passHatK: Record<string, number>): Array<[string, number]> {
  return Object.entries(passHatK).sort(([left], [right]) => Number(left) - Number(right));
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

/** A count with thousands separators. */
function count(value: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US') : '—';
}

/** A ratio as a percentage with at most one decimal (`66.7%`, `100%`); `—` for `null`. */
function percent(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : `${Number((value * 100).toFixed(1))}%`;
}

/** USD: four decimals under a dollar (model spend is often cents), two above; `—` for `null`. */
function usd(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0.00';
  const digits = Math.abs(value) < 1 ? 4 : 2;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 5 s` or `2 h 3 min`. */
function duration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '—';
  if (milliseconds < 1_000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)} s`;
  const seconds = Math.round(milliseconds / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS UTC`; a text that is not a time is shown as it is. */
function when(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** ` (took 1 h 2 min)` between two ISO times; nothing when either is not a time. */
function took(startedAt: string, finishedAt: string): string {
  const milliseconds = Date.parse(finishedAt) - Date.parse(startedAt);
  return Number.isFinite(milliseconds) && milliseconds >= 0 ? ` (took ${duration(milliseconds)})` : '';
}

/** Text already safe to place in HTML as it is. */
class Markup {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

type Interpolation = Markup | string | number | readonly Interpolation[];

/** Markup from a template: every interpolated string and number is escaped, markup is kept as it is. */
function html(strings: TemplateStringsArray, ...values: Interpolation[]): Markup {
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1]!;
  });
  return new Markup(text);
}

function render(value: Interpolation): string {
  if (value instanceof Markup) return value.text;
  if (typeof value === 'object') return value.map(render).join('');
  return String(value).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2330;background:#f6f7f9}
header{padding:1rem 1.5rem;background:#1d2330;color:#fff}
header h1{margin:0 0 .5rem;font-size:1.4rem;overflow-wrap:anywhere}
main{padding:.5rem 1.5rem 2rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
tbody th code{white-space:nowrap;overflow-wrap:normal}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
dl.run dt{color:#c9d3e6}dl.run dd{margin:0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:0}
.card{background:#fff;border:1px solid #e3e6ec;border-radius:6px;padding:.5rem .8rem;min-width:10rem}
.card dt{color:#5b6475;font-size:.85rem}.card dd{margin:0}
.card .figure{display:block;font-size:1.4rem;font-weight:600;font-variant-numeric:tabular-nums}
.note,.none,figcaption,caption{color:#5b6475;font-size:.8rem}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}
ul.ids{display:flex;flex-wrap:wrap;gap:.2rem .9rem;list-style:none;padding:0;margin:.3rem 0}
.beside{display:grid;grid-template-columns:minmax(0,1fr) 420px;gap:1rem;align-items:start}
@media (max-width:1100px){.beside{grid-template-columns:minmax(0,1fr)}}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
caption{text-align:left;padding:.3rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
thead th{background:#eef1f5;font-weight:600}tbody th{font-weight:400}
.number{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.status{display:inline-block;white-space:nowrap;padding:0 .45rem;border-radius:9px;font-size:.8rem;background:#e3e6ec}
.status-resolved{background:#d3f2dc;color:#14532d}.status-unresolved{background:#fbd9d9;color:#7f1d1d}
.status-error{background:#fdf0c4;color:#713f12}
figure.chart{background:#fff;border:1px solid #e3e6ec;border-radius:6px;margin:0 0 1rem;padding:.5rem}
figure.chart svg{width:100%;height:auto}
.label,.value{font-size:11px;fill:#5b6475}.bar{fill:#6ea8fe}
`;
