import { html } from 'hono/html';

/** Markup built with Hono's `html` template: every interpolated value is escaped unless it is markup itself. */
export type Html = ReturnType<typeof html>;

/** What every page's frame needs beside its body. */
export interface PageFrame {
  title: string;
  /** The nav entry to mark as current (its path). */
  current: string;
  /** Whether a session cookie is in use, so a "log out" button is shown. */
  session: boolean;
}

const NAV = [
  ['/', 'Fleet'],
  ['/tasks', 'Tasks'],
  ['/approvals', 'Approvals'],
  ['/policy', 'Policy'],
  ['/costs', 'Costs'],
] as const;

/**
 * The frame of every dashboard page: a document with its title, the navigation and `body`. No script
 * and no external asset; the style sheet is inline (the Content-Security-Policy allows nothing else).
 */
export function page(frame: PageFrame, body: Html): Html {
  const links = NAV.map(
    ([href, name]) =>
      html`<a href="${href}"${frame.current === href ? html` aria-current="page"` : ''}>${name}</a>`,
  );
  const logout = frame.session
    ? html`<form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Warden</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>Warden</strong><nav>${links}</nav>${logout}</header>
<main>
<h1>${frame.title}</h1>
${body}
</main>
</body>
</html>`;
}

/** USD with four decimals under a dollar, two above; `—` for `null`. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `$${value.toFixed(Math.abs(value) < 1 ? 4 : 2)}`;
}

/** A ratio as a percentage; `—` for `null`. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` UTC; `—` for `null`. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '—';
}

/** `text` cut to `length` characters, saying how much was left out. */
export function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length - length} more characters)` : text;
}

/** A status as a badge (the class names the status, from a fixed set). */
export function badge(status: string): Html {
  const known = /^[a-z_-]{1,40}$/.test(status) ? status : 'other';
  return html`<span class="badge badge-${known}">${status}</span>`;
}

/** The page shown for an error: its status line and message, escaped. */
export function errorPage(frame: PageFrame, message: string): Html {
  return page(frame, html`<p class="error">${message}</p>`);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.5rem;background:#1d2330;color:#fff}
header nav{display:flex;gap:1rem;flex:1}
header a{color:#c9d3e6;text-decoration:none}
header a[aria-current=page]{color:#fff;font-weight:600;border-bottom:2px solid #6ea8fe}
.logout button{background:none;border:1px solid #c9d3e6;color:#c9d3e6;border-radius:4px;padding:.15rem .6rem;cursor:pointer}
main{padding:1rem 1.5rem;max-width:1200px}
h1{font-size:1.4rem;margin:.3rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{background:#fff;border:1px solid #e3e6ec;border-radius:6px;padding:.6rem .9rem;min-width:11rem}
.card .figure{font-size:1.5rem;font-weight:600}
.card .label{color:#5b6475;font-size:.85rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem;background:#e3e6ec}
.badge-succeeded,.badge-allow,.badge-passed,.badge-approved,.badge-closed{background:#d3f2dc;color:#14532d}
.badge-failed,.badge-deny,.badge-denied,.badge-open,.badge-stopped{background:#fbd9d9;color:#7f1d1d}
.badge-awaiting_approval,.badge-ask,.badge-pending,.badge-unverified,.badge-half-open{background:#fdf0c4;color:#713f12}
.badge-running,.badge-queued{background:#d8e6fd;color:#1e3a8a}
pre{white-space:pre-wrap;word-break:break-word;background:#f1f3f6;padding:.4rem .6rem;margin:.3rem 0;max-height:24rem;overflow:auto;font-size:12.5px}
.timeline{list-style:none;padding:0;margin:0}
.timeline li{background:#fff;border-left:3px solid #c9d3e6;margin:.3rem 0;padding:.35rem .7rem}
.timeline li.model{border-color:#6ea8fe}.timeline li.tool{border-color:#a78bfa}
.timeline li.check{border-color:#34d399}.timeline li.approval{border-color:#f59e0b}
.timeline li.problem{border-color:#ef4444}.timeline li.taint{border-color:#f97316;background:#fff7ed}
.meta{color:#5b6475;font-size:.85rem}
section.child{border:1px solid #e3e6ec;border-radius:6px;padding:.3rem .8rem;margin:.8rem 0;background:#fafbfc}
form.decide{display:flex;gap:.5rem;align-items:flex-start;flex-wrap:wrap}
form.decide textarea{min-width:18rem;min-height:2.2rem}
button{padding:.25rem .8rem;border-radius:4px;border:1px solid #9aa4b5;background:#fff;cursor:pointer}
button.approve{background:#16a34a;color:#fff;border-color:#15803d}
button.deny{background:#dc2626;color:#fff;border-color:#b91c1c}
.error{background:#fbd9d9;padding:.6rem;border-radius:4px}
.notice{background:#d3f2dc;padding:.6rem;border-radius:4px}
.pager{display:flex;gap:1rem;margin:.6rem 0}
figure.chart{background:#fff;border:1px solid #e3e6ec;border-radius:6px;margin:.5rem 0;padding:.5rem}
figure.chart svg{width:100%;height:auto}
figcaption{color:#5b6475;font-size:.85rem}
.axis{font-size:11px;fill:#5b6475}.grid{stroke:#e3e6ec}.bar{fill:#6ea8fe}
.seg-allow{fill:#34d399}.seg-ask{fill:#f59e0b}.seg-deny{fill:#ef4444}
`;
