import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../src/spec/env.ts';
import { makeRepo, scratch, writeScript } from '../support/cli.ts';
import { apiOf, type Server, startServer, TOKEN } from '../support/serve.ts';

// Debian's Chromium, driven by playwright-core (which downloads nothing). CI installs it (.ci/run): there a
// missing browser fails the suite; elsewhere the suite is skipped and says why.
const CHROMIUM = '/usr/bin/chromium';
const installed = existsSync(CHROMIUM);
if (!installed && process.env[ENV.ci] === 'true') {
  throw new Error(
    `${CHROMIUM} is missing; CI must run the dashboard's browser tests (apt-get install chromium)`,
  );
}
if (!installed)
  console.warn(`dashboard e2e skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

const SHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));
const usage = { input_tokens: 1000, output_tokens: 20 };
const shell = (command: string) => ({ tool_calls: [{ name: 'shell', input: { command } }], usage });
const fix = { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage };
const HOSTILE_PROMPT =
  '<script>window.pwned = "prompt"</script> fix value.txt <img src=x onerror="window.pwned=1">';
const HOSTILE_OUTPUT = `printf '%s' '<script>window.pwned = "output"</script>'`;

describe.skipIf(!installed)('the dashboard in real Chromium, on a real warden serve', () => {
  const work = scratch('dashboard');
  let server: Server;
  let browser: Browser;
  let evil: HttpServer | undefined;
  const api = apiOf(() => server);
  let hostileId: string;
  let waitingId: string;
  let apiWaitingId: string;

  const statusOf = async (taskId: string) =>
    ((await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } }).task.status;
  const until = (taskId: string, status: string) =>
    vi.waitFor(async () => expect(await statusOf(taskId)).toBe(status), { timeout: 60_000, interval: 200 });
  const submit = async (task: string, turns: unknown[], name: string) => {
    const model = `scripted:${writeScript(work.dir, { model: 'anthropic:claude-haiku-4-5', turns }, name)}`;
    const response = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo: path.join(work.dir, 'repo'), task, model, requestedBy: 'e2e' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    console.log(`dashboard screenshots: ${SHOTS}`);
    makeRepo(path.join(work.dir, 'repo'), {
      'value.txt': 'broken\n',
      'check.sh': 'test "$(cat value.txt)" = fixed\n',
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(config, 'agent:\n  check: sh check.sh\n');
    server = await startServer(['--data-dir', path.join(work.dir, 'home'), '--config', config], {
      WARDEN_API_TOKEN: TOKEN,
    });
    hostileId = await submit(
      HOSTILE_PROMPT,
      [shell(HOSTILE_OUTPUT), fix, { text: '<script>1</script>', usage }],
      'hostile.json',
    );
    // `factor` is not among the commands the default policy allows: it asks, and the task waits.
    waitingId = await submit(
      'factor 12, then fix value.txt',
      [shell('factor 12'), fix, { text: 'done', usage }],
      'ask.json',
    );
    apiWaitingId = await submit(
      'factor 15, then fix value.txt',
      [shell('factor 15'), fix, { text: 'done', usage }],
      'api-ask.json',
    );
    await until(hostileId, 'succeeded');
    await until(waitingId, 'awaiting_approval');
    await until(apiWaitingId, 'awaiting_approval');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
    server?.child.kill('SIGKILL');
    work.cleanup();
  });

  it('sends a browser without the cookie to the login page and refuses a wrong token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/tasks`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    expect(await page.textContent('#login-error')).toContain('not the server token');
    await shot(page, '01-login-refused');
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('logs in, renders every page with the tasks it ran, and keeps hostile text inert', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/tasks`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/tasks');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'warden_session', httpOnly: true, sameSite: 'Strict', path: '/' });

    expect(await page.locator(`tr[data-task="${hostileId}"]`).count()).toBe(1);
    expect(await page.locator(`tr[data-task="${waitingId}"]`).count()).toBe(1);
    await shot(page, '02-tasks');
    await page.selectOption('select[name=status]', 'awaiting_approval');
    await page.click('form.filters button');
    expect(await page.locator('#tasks tbody tr[data-task]').count()).toBe(2);
    expect(await page.locator(`tr[data-task="${waitingId}"]`).count()).toBe(1);

    await page.goto(`${server.url}/`);
    expect(await page.textContent('h1')).toBe('Fleet overview');
    expect(await page.textContent('#status-counts')).toMatch(/succeeded\s*1/);
    expect(await page.textContent('#status-counts')).toMatch(/awaiting_approval\s*2/);
    await shot(page, '03-overview');

    await page.goto(`${server.url}/tasks/${hostileId}`);
    expect(await page.textContent('h1')).toBe(`Task ${hostileId}`);
    // The hostile prompt and tool output are shown as text, and nothing of them ran.
    expect(await page.textContent('#prompt')).toBe(HOSTILE_PROMPT);
    await page.locator('li[data-type=tool-call-end] summary').first().click();
    expect(await page.locator('pre.output').first().textContent()).toContain(
      '<script>window.pwned = "output"</script>',
    );
    expect(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.locator('li[data-type=model-response]').count()).toBe(3);
    expect(await page.textContent('#branch')).toContain(`warden/${hostileId}`);
    await shot(page, '04-task');

    await page.goto(`${server.url}/policy`);
    expect(await page.textContent('#by-tool')).toContain('shell');
    expect(await page.locator('figure.chart svg').count()).toBe(3);
    await shot(page, '05-policy');
    await page.goto(`${server.url}/costs`);
    expect(await page.textContent('#cost-by-model')).toContain('anthropic:claude-haiku-4-5');
    expect(await page.locator('figure.chart svg rect.bar').count()).toBe(30);
    await shot(page, '06-costs');
    await context.close();
  });

  it('does not let another site approve: its cross-origin post is refused and the request stays pending', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    const request = (
      (await (await api('/api/approvals')).json()) as { approvals: Array<{ id: string; taskId: string }> }
    ).approvals.find((one) => one.taskId === waitingId);
    // Another origin (another port of 127.0.0.1) whose page posts the approve form to the dashboard.
    evil = createServer((_, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form id=f method=post action="${server.url}/approvals/${request!.id}/approve"><input name=reason value=forged></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    const evilPort = await new Promise<number>((resolve) =>
      evil!.listen(0, '127.0.0.1', () => resolve((evil!.address() as { port: number }).port)),
    );
    const refused = page.waitForResponse((response) => response.url().includes('/approvals/'));
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    expect([401, 403]).toContain((await refused).status());
    const pending = ((await (await api('/api/approvals')).json()) as { approvals: Array<{ id: string }> })
      .approvals;
    expect(pending.map((one) => one.id)).toContain(request!.id);
    expect(await statusOf(waitingId)).toBe('awaiting_approval');
    await context.close();
  });

  it('approves the waiting task in the browser with a reason, and the task resumes and succeeds', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/approvals`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/approvals');
    expect(await page.locator('section[data-approval]').count()).toBe(2);
    const request = page.locator('section[data-approval]', { hasText: waitingId });
    expect(await request.count()).toBe(1);
    expect(await request.textContent()).toContain('factor 12');
    await request.locator('textarea[name=reason]').fill('factoring is harmless');
    await shot(page, '07-approvals');
    await request.locator('button.approve').click();
    expect(await page.textContent('#decided')).toContain('Its task is resuming.');
    await shot(page, '08-approved');

    await until(waitingId, 'succeeded');
    const trace = (await (await api(`/api/tasks/${waitingId}/trace`)).json()) as {
      events: Array<Record<string, unknown>>;
    };
    expect(trace.events.find((event) => event.type === 'approval-decision')).toMatchObject({
      status: 'approved',
      decidedBy: 'dashboard',
      decisionReason: 'factoring is harmless',
    });
    expect(
      trace.events.some(
        (event) => event.type === 'tool-call-end' && String(event.output).includes('12: 2 2 3'),
      ),
    ).toBe(true);
    await page.goto(`${server.url}/tasks/${waitingId}`);
    expect(await page.textContent('#timeline')).toContain('factoring is harmless');
    await shot(page, '09-resumed-task');
    await context.close();
  });

  it('resumes a task approved through the JSON API too, as the dashboard does', async () => {
    const { approvals } = (await (await api('/api/approvals')).json()) as {
      approvals: Array<{ id: string; taskId: string }>;
    };
    const request = approvals.find((one) => one.taskId === apiWaitingId)!;
    const decided = await api(`/api/approvals/${request.id}/approve`, {
      method: 'POST',
      body: JSON.stringify({ by: 'e2e', reason: 'fine' }),
    });
    expect(await decided.json()).toMatchObject({ approval: { status: 'approved' }, resumed: true });
    await until(apiWaitingId, 'succeeded');
  });
});
