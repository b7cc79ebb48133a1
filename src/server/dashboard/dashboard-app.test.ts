import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillTaskJournal } from '../../../test/support/task-journal.ts';
import { createWarden, type Warden } from '../../warden/index.ts';
import { createServerApp } from '../server-app.ts';
import { TaskQueue } from '../task-queue.ts';

const TOKEN = 'dashboard-token-5c4b';
const ORIGIN = 'http://localhost';
const HOSTILE_PROMPT = '<script>window.pwned = 1</script> fix "it" & <b>go</b>';
const HOSTILE_OUTPUT = '</pre><img src=x onerror="window.pwned=2"><script>alert(1)</script>';

describe('the dashboard (in process, on a store filled through the journal)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-dashboard-'));
  let warden: Warden;
  let app: Hono;
  let open: Hono;
  let taskId: string;

  beforeAll(async () => {
    const home = path.join(dir, 'home');
    // The data directory and its store first, then the hostile task written into it.
    await (await createWarden({ dataDir: home, env: {} })).close();
    taskId = await fillTaskJournal(home, {
      steps: 4,
      childSteps: 2,
      prompt: HOSTILE_PROMPT,
      toolOutput: HOSTILE_OUTPUT,
      replyText: '<script>alert("reply")</script>',
    });
    warden = await createWarden({ dataDir: home, env: {} });
    const runners = { run: async () => undefined as never, resume: async () => undefined as never };
    app = createServerApp(warden, new TaskQueue(runners, 1), TOKEN);
    open = createServerApp(warden, new TaskQueue(runners, 1), undefined);
  });
  afterAll(async () => {
    await warden?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cookie = `warden_session=${TOKEN}`;
  const get = (route: string, headers: Record<string, string> = { cookie }) =>
    app.request(`${ORIGIN}${route}`, { headers });
  const post = (route: string, form: Record<string, string>, headers: Record<string, string>) =>
    app.request(`${ORIGIN}${route}`, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });

  it('sends a browser without the session cookie to the login page, and refuses its posts', async () => {
    const page = await get('/tasks?status=succeeded', {});
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Ftasks%3Fstatus%3Dsucceeded');
    expect((await get('/', { cookie: 'warden_session=wrong' })).status).toBe(303);
    const decision = await post('/approvals/a1/approve', {}, { origin: ORIGIN });
    expect(decision.status).toBe(401);
    // The API is untouched by the dashboard: still its bearer token, still JSON.
    expect((await get('/api/tasks', {})).status).toBe(401);
    expect((await get('/api/tasks', { cookie })).status).toBe(401);
  });

  it('logs in with the token only: a wrong one is refused, the right one is kept in a strict cookie', async () => {
    const wrong = await post('/login', { token: 'nope', next: '/' }, { origin: ORIGIN });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('not the server token');
    const right = await post('/login', { token: TOKEN, next: '/tasks' }, { origin: ORIGIN });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/tasks');
    const set = right.headers.get('set-cookie') ?? '';
    expect(set).toContain(`warden_session=${TOKEN}`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    // Somewhere else after logging in is never followed.
    const away = await post('/login', { token: TOKEN, next: '//evil.example/' }, { origin: ORIGIN });
    expect(away.headers.get('location')).toBe('/');
    const missing = await post('/login', { next: '/' }, { origin: ORIGIN });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('token: ');
  });

  it('refuses a cross-origin post (approve, login, logout), and one that says nothing of its origin', async () => {
    const evil = { cookie, origin: 'http://evil.example' };
    expect((await post('/approvals/a1/approve', { reason: 'x' }, evil)).status).toBe(403);
    expect((await post('/approvals/a1/deny', {}, { cookie })).status).toBe(403);
    expect(
      (await post('/approvals/a1/approve', {}, { cookie, referer: 'http://evil.example/x' })).status,
    ).toBe(403);
    expect((await post('/approvals/a1/approve', {}, { cookie, origin: 'null' })).status).toBe(403);
    expect((await post('/login', { token: TOKEN }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/logout', {}, evil)).status).toBe(403);
    // The same origin (or its Referer) passes the guard: then the request is simply unknown.
    expect((await post('/approvals/a1/approve', {}, { cookie, origin: ORIGIN })).status).toBe(404);
    expect((await post('/approvals/a1/approve', {}, { cookie, referer: `${ORIGIN}/approvals` })).status).toBe(
      404,
    );
  });

  it('refuses a bad form field or query with 400 naming it', async () => {
    const long = await post(
      '/approvals/a1/approve',
      { reason: 'x'.repeat(2001) },
      { cookie, origin: ORIGIN },
    );
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('reason: at most 2000 characters');
    const extra = await post('/approvals/a1/approve', { by: 'me' }, { cookie, origin: ORIGIN });
    expect(extra.status).toBe(400);
    expect(await extra.text()).toContain('by: ');
    const status = await get('/tasks?status=bogus');
    expect(status.status).toBe(400);
    expect(await status.text()).toContain('status: ');
    expect(await (await get('/tasks?page=0')).text()).toContain('page: ');
    expect(await (await get('/costs?days=a')).text()).toContain('days: ');
    expect((await get('/tasks/t-none')).status).toBe(404);
  });

  it('renders every page with the data of the store', async () => {
    const overview = await (await get('/')).text();
    expect(overview).toContain('<h1>Fleet overview</h1>');
    expect(overview).toMatch(/badge-succeeded">succeeded<\/span><\/a><\/td><td class="num">1</);
    const list = await (await get('/tasks?status=succeeded')).text();
    expect(list).toContain(`data-task="${taskId}"`);
    expect(await (await get('/tasks?status=failed')).text()).not.toContain(`data-task="${taskId}"`);
    expect(await (await get('/approvals')).text()).toContain('Nothing waits for a decision.');
    expect(await (await get('/policy')).text()).toContain('4 decisions over the last 30 days.');
    expect(await (await get('/costs')).text()).toContain('<svg');
    const task = await (await get(`/tasks/${taskId}`)).text();
    expect(task).toContain(`warden/${taskId}`);
    expect(task).toContain('2 files changed, +14 −3');
    // The last two steps are the child's, grouped in one section.
    expect(task.match(/data-child="subtask:fix"/g)).toHaveLength(1);
    expect(task.match(/<strong>model call \d+<\/strong>/g)).toHaveLength(4);
  });

  it('escapes every text of the journal: a <script> in a prompt, a reply or a tool output is inert', async () => {
    const response = await get(`/tasks/${taskId}`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).toContain(
      '&lt;script&gt;window.pwned = 1&lt;/script&gt; fix &quot;it&quot; &amp; &lt;b&gt;go',
    );
    expect(page).toContain('&lt;/pre&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;');
    expect(await (await get('/tasks')).text()).not.toContain('<script');
  });

  it('needs no login without a token (--insecure-local), and still refuses cross-origin posts', async () => {
    const page = await open.request(`${ORIGIN}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('Log out');
    const login = await open.request(`${ORIGIN}/login`);
    expect(login.headers.get('location')).toBe('/');
    const forged = await open.request(`${ORIGIN}/approvals/a1/approve`, {
      method: 'POST',
      body: new URLSearchParams({}),
      headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.status).toBe(403);
  });
});
