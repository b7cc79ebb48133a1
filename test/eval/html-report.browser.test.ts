import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/eval/html-report.ts';
import { sampleEvalReport } from '../../src/eval/internal/sample-eval-report.ts';
import { ENV } from '../../src/spec/env.ts';
import { scratch } from '../support/cli.ts';

// Debian's Chromium, driven by playwright-core (which downloads nothing), as the dashboard's e2e suite
// does. CI installs it (.ci/run): there a missing browser fails the suite; elsewhere the suite is skipped
// and says why.
const CHROMIUM = '/usr/bin/chromium';
const installed = existsSync(CHROMIUM);
if (!installed && process.env[ENV.ci] === 'true') {
  throw new Error(
    `${CHROMIUM} is missing; CI must run the eval report's browser tests (apt-get install chromium)`,
  );
}
if (!installed)
  console.warn(`eval report browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

/** The page's `window`, whose DOM types this Node project does not compile against. */
type PageWindow = { getComputedStyle(element: unknown): { borderCollapse: string } };

const SHOTS = fileURLToPath(new URL('../../test-results/eval-report/', import.meta.url));
const HOSTILE_ID = '<img src=x onerror=alert(1)>';
const HOSTILE_REPO = '</script><script>alert(2)</script>';
const HOSTILE_MODEL = '"><svg onload=alert(3)>';

describe.skipIf(!installed)('the HTML eval report in real Chromium', () => {
  const work = scratch('eval-report');
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const problems: string[] = [];
  const report = sampleEvalReport(
    [
      { id: 'django__django-11099', repo: 'django/django', costUsd: 0.5, tokens: 12_345 },
      { id: HOSTILE_ID, repo: HOSTILE_REPO, status: 'unresolved', passAt1: 0.5, costUsd: 1.25 },
      { id: 'sympy__sympy-20590', repo: 'sympy/sympy', status: 'error' },
      { id: 'requests__requests-2317', repo: 'psf/requests', status: 'empty_patch' },
    ],
    { suite: '</title><script>alert(4)</script>', agent: 'warden', model: HOSTILE_MODEL },
  );

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const file = path.join(work.dir, 'report.html');
    writeFileSync(file, renderHtmlReport(report));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    // A hostile name that escaped its escaping would either run (a dialog) or be refused by the
    // Content-Security-Policy, which Chromium reports as a console error: both are recorded.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    console.log(`eval report screenshot: ${SHOTS}`);
    await page.screenshot({ path: path.join(SHOTS, 'report.png'), fullPage: true });
  });
  afterAll(async () => {
    await browser?.close();
    work.cleanup();
  });

  it('shows a row per instance with the texts a reader expects, hostile names as text', async () => {
    const rows = page.locator('#instances tbody tr');
    expect(await rows.count()).toBe(4);
    const cells = async (index: number) =>
      (await rows.nth(index).locator('th, td').allTextContents()).map((text) => text.trim());
    expect(await cells(0)).toEqual([
      'django__django-11099',
      'django/django',
      'resolved',
      '1/1',
      '100%',
      '100%',
      '$0.5000',
      '12,345',
      '1.0 s',
      '0 / 0',
      '0',
      '0',
    ]);
    expect((await cells(1)).slice(0, 7)).toEqual([
      HOSTILE_ID,
      HOSTILE_REPO,
      'unresolved',
      '0/1',
      '50%',
      '50%',
      '$1.25',
    ]);
    expect((await cells(3)).slice(0, 3)).toEqual(['requests__requests-2317', 'psf/requests', 'empty patch']);
    expect(await page.locator('#instances thead th[scope=col]').count()).toBe(12);
    expect(await page.locator('#instances tbody th[scope=row]').count()).toBe(4);
    expect(await page.locator('#run').textContent()).toContain(HOSTILE_MODEL);
    expect(await page.title()).toBe('Eval report: </title><script>alert(4)</script>');
    expect(await page.locator('#unresolved-ids li').allTextContents()).toEqual([HOSTILE_ID]);
    expect(await page.locator('[data-figure=resolved] .figure').textContent()).toBe('1 of 4');
  });

  it('draws a bar per instance in each per-instance chart, as long as its value', async () => {
    for (const chart of ['#pass-at-1-chart', '#cost-chart']) {
      expect(await page.locator(`${chart} rect.bar`).count()).toBe(4);
      expect(await page.locator(`${chart} > title`).count()).toBe(1);
      expect(await page.locator(`${chart} g > title`).count()).toBe(4);
    }
    expect(await page.locator('#pass-at-1-chart g > title').allTextContents()).toEqual([
      'django__django-11099: 100%',
      `${HOSTILE_ID}: 50%`,
      'sympy__sympy-20590: 0%',
      'requests__requests-2317: 0%',
    ]);
    const widths = async (chart: string) =>
      Promise.all(
        (await page.locator(`${chart} rect.bar`).all()).map(
          async (bar) => (await bar.boundingBox())?.width ?? 0,
        ),
      );
    const [full, half, none] = await widths('#pass-at-1-chart');
    expect(full!).toBeGreaterThan(100);
    expect(half! / full!).toBeCloseTo(0.5, 2);
    expect(none).toBe(0);
    const [cheaper, dearest] = await widths('#cost-chart');
    expect(cheaper! / dearest!).toBeCloseTo(0.4, 2);
    expect(await page.locator('#pass-hat-k-chart rect.bar').count()).toBe(1);
  });

  it('applies its inline style and runs nothing: no script, no dialog, no console error', async () => {
    const collapse = await page
      .locator('#instances')
      .evaluate((table) => (globalThis as unknown as PageWindow).getComputedStyle(table).borderCollapse);
    expect(collapse).toBe('collapse');
    expect(await page.locator('script, img, iframe').count()).toBe(0);
    expect(await page.locator('svg').count()).toBe(3);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  });
});
