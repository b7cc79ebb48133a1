import { describe, expect, it } from 'vitest';
import type { EvalReport } from './eval-report.ts';
import { renderHtmlReport } from './html-report.ts';
import { sampleEvalReport } from './internal/sample-eval-report.ts';

const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;

/** A run of three epochs over four instances, one resolved twice out of three. */
function threeEpochReport(): EvalReport {
  const report = sampleEvalReport(
    [
      { id: 'django__django-11099', repo: 'django/django', costUsd: 1234.5, tokens: 1_234_567 },
      { id: 'astropy__astropy-12907', repo: 'astropy/astropy', status: 'unresolved', costUsd: 0.0123 },
      { id: 'sympy__sympy-20590', repo: 'sympy/sympy', status: 'error' },
      { id: 'requests__requests-2317', repo: 'psf/requests', status: 'empty_patch' },
    ],
    { suite: '/suites/verified.jsonl', agent: 'warden', model: 'anthropic:claude-sonnet-4-5' },
  );
  const [django, astropy] = report.warden.instances;
  Object.assign(django!, {
    trials: 3,
    resolvedTrials: 2,
    passAt1: 2 / 3,
    passHatK: 0,
    wallMsP50: 125_000,
    toolCalls: 1_200,
    toolErrors: 7,
    policyDenials: 2,
    earlyExits: 1,
  });
  Object.assign(astropy!, { passAt1: 0.5, wallMsP50: 850 });
  report.warden.epochs = 3;
  Object.assign(report.warden.totals, {
    passAt1: 0.5,
    passHatK: { '1': 0.5, '2': 0.25, '3': 0 },
    costPerResolvedUsd: 617.25615,
    wallMsP50: 42_000,
    wallMsP95: 7_380_000,
    toolErrorRate: 7 / 1_200,
    policyDenials: 2,
    earlyExits: 1,
  });
  return report;
}

/** The text a reader sees in a piece of markup: tags dropped, entities decoded, spaces collapsed. */
function textOf(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The markup of every element `<tag … marker …>…</tag>` (no nesting of the same tag). */
function elements(html: string, tag: string, marker: string): string[] {
  const pattern = new RegExp(`<${tag}[^>]*${marker}[^>]*>[\\s\\S]*?</${tag}>`, 'g');
  return html.match(pattern) ?? [];
}

function chart(html: string, id: string): string {
  const [svg] = elements(html, 'svg', `id="${id}"`);
  expect(svg, `chart ${id}`).toBeDefined();
  return svg!;
}

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(threeEpochReport());

  it('is one self-contained document under a strict Content-Security-Policy', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(CSP);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(|\bsrc=|\bhref=/i);
  });

  it('heads the page with the suite, source, agent, model, epochs and when', () => {
    const [run] = elements(html, 'dl', 'id="run"');
    expect(textOf(run!)).toBe(
      'Suite /suites/verified.jsonl Source agent Agent warden Model anthropic:claude-sonnet-4-5 Epochs 3 ' +
        'When 2025-01-01 00:00:00 UTC to 2025-01-01 01:00:00 UTC (took 1 h 0 min)',
    );
    expect(html).toContain('<title>Eval report: /suites/verified.jsonl</title>');
  });

  it('shows the headline figures, formatted for people', () => {
    const card = (key: string) => textOf(elements(html, 'div', `data-figure="${key}"`)[0] ?? '');
    expect(card('resolved')).toBe('Resolved 1 of 4 1 of 4 trials');
    expect(card('pass-at-1')).toBe('pass@1 50% mean over instances');
    expect(card('pass-hat-1')).toBe('pass^1 50% all 1 trials resolve');
    expect(card('pass-hat-2')).toBe('pass^2 25% all 2 trials resolve');
    expect(card('pass-hat-3')).toBe('pass^3 0% all 3 trials resolve');
    expect(card('cost')).toBe('Cost $1,234.51');
    expect(card('cost-per-resolved')).toBe('Cost per resolved $617.26 failed trials count');
    expect(card('tokens')).toBe('Tokens 1,234,567');
    expect(card('wall')).toBe('Wall time per trial 42.0 s / 2 h 3 min p50 / p95');
    expect(card('tool-error-rate')).toBe('Tool-error rate 0.6%');
    expect(card('policy-denials')).toBe('Policy denials 2');
    expect(card('early-exits')).toBe('Early exits 1 ended before any model call');
  });

  it("lists SWE-bench's resolved, unresolved, error and empty-patch ids", () => {
    const list = (key: string) => textOf(elements(html, 'ul', `id="${key}-ids"`)[0] ?? '');
    expect(list('resolved')).toBe('django__django-11099');
    expect(list('unresolved')).toBe('astropy__astropy-12907');
    expect(list('error')).toBe('sympy__sympy-20590');
    expect(list('empty-patch')).toBe('requests__requests-2317');
    expect(textOf(html)).toContain('Resolved (1)');
    expect(textOf(html)).toContain('Empty patch (1)');
  });

  it('has a row per instance with every figure, under headers with a scope', () => {
    const rows = elements(html, 'tr', 'data-instance=').map(textOf);
    expect(rows).toEqual([
      'django__django-11099 django/django resolved 2/3 66.7% 0% $1,234.50 1,234,567 2 min 5 s 1,200 / 7 2 1',
      'astropy__astropy-12907 astropy/astropy unresolved 0/1 50% 0% $0.0123 0 850 ms 0 / 0 0 0',
      'sympy__sympy-20590 sympy/sympy error 0/1 0% 0% $0.00 0 1.0 s 0 / 0 0 0',
      'requests__requests-2317 psf/requests empty patch 0/1 0% 0% $0.00 0 1.0 s 0 / 0 0 0',
    ]);
    expect(html.match(/<th scope="col"/g)).toHaveLength(12);
    expect(html.match(/<th scope="row"/g)).toHaveLength(4);
  });

  it('draws pass@1 and cost as a bar per instance, and pass^k as a bar per k, each with a title', () => {
    const widths = (svg: string) =>
      [...svg.matchAll(/<rect class="bar"[^>]*width="([\d.]+)"/g)].map((m) => m[1]);
    const titles = (svg: string) =>
      [...svg.matchAll(/<title[^>]*>([^<]*)<\/title>/g)].map((m) => textOf(m[1]!));
    const passAt1 = chart(html, 'pass-at-1-chart');
    // 240 px is the whole scale (100%).
    expect(widths(passAt1)).toEqual(['160.0', '120.0', '0.0', '0.0']);
    expect(titles(passAt1)).toEqual([
      'pass@1 per instance: resolved trials over trials',
      'django__django-11099: 66.7%',
      'astropy__astropy-12907: 50%',
      'sympy__sympy-20590: 0%',
      'requests__requests-2317: 0%',
    ]);
    const cost = chart(html, 'cost-chart');
    expect(widths(cost)).toEqual(['240.0', '0.0', '0.0', '0.0']);
    expect(titles(cost)).toContain('astropy__astropy-12907: $0.0123');
    const hatK = chart(html, 'pass-hat-k-chart');
    expect(widths(hatK)).toEqual(['120.0', '60.0', '0.0']);
    expect(titles(hatK).slice(1)).toEqual(['k = 1: 50%', 'k = 2: 25%', 'k = 3: 0%']);
    expect(html.match(/<svg [^>]*role="img" aria-labelledby="[a-z0-9-]+-title"/g)).toHaveLength(3);
  });

  it('says when there is nothing to show, and shows — for figures that do not exist', () => {
    const empty = renderHtmlReport(sampleEvalReport([]));
    expect(textOf(empty)).toContain('No instance was evaluated.');
    expect(textOf(elements(empty, 'div', 'data-figure="cost-per-resolved"')[0]!)).toContain('—');
    expect(textOf(elements(empty, 'div', 'data-figure="tool-error-rate"')[0]!)).toBe('Tool-error rate —');
    expect(elements(empty, 'tr', 'data-instance=')).toEqual([]);
  });
});

describe('renderHtmlReport with hostile names', () => {
  const HOSTILE = {
    id: '<img src=x onerror=alert(1)>',
    repo: '</script><script>alert(2)</script>',
    model: '"><svg onload=alert(3)>',
    agent: "' onmouseover='alert(4)",
    suite: '</title><script>alert(5)</script>&amp;',
  };
  const report = sampleEvalReport([{ id: HOSTILE.id, repo: HOSTILE.repo }, { id: 'plain-1' }], HOSTILE);
  report.warden.totals.passHatK = { '<b>2</b>': 0.5 };
  const html = renderHtmlReport(report);

  it('shows every hostile string as text, escaped', () => {
    for (const text of [HOSTILE.id, HOSTILE.repo, HOSTILE.model, HOSTILE.agent, HOSTILE.suite]) {
      expect(textOf(html)).toContain(text);
    }
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('&#60;/script&#62;&#60;script&#62;alert(2)&#60;/script&#62;');
    expect(html).toContain('&#38;amp;');
    expect(html).toContain(CSP);
  });

  it('adds no element and no attribute of its own making', () => {
    // Values are quoted and hold no `"`, so each attribute is a name and a quoted value.
    const tags = new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((match) => match[1]!.toLowerCase()));
    expect(
      [...tags].filter((tag) => ['script', 'img', 'iframe', 'object', 'embed', 'link'].includes(tag)),
    ).toEqual([]);
    expect(html.match(/<svg/g)).toHaveLength(3);
    const attributes = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].flatMap((tag) =>
      [...tag[0].matchAll(/\s([\w:-]+)="[^"]*"/g)].map((match) => match[1]!),
    );
    expect(attributes.filter((name) => name.startsWith('on'))).toEqual([]);
    expect(elements(html, 'tr', 'data-instance=')).toHaveLength(2);
  });
});
