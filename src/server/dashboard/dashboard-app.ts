import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { ZodError } from 'zod';
import { UserError, WardenError } from '../../spec/errors.ts';
import type { Warden } from '../../warden/index.ts';
import { decideApproval } from '../decide-approval.ts';
import type { TaskQueue } from '../task-queue.ts';
import { approvalsPage, DecidedQuery, DecisionForm } from './approvals-page.ts';
import { createDashboardAuth, localPath, SESSION_COOKIE } from './auth.ts';
import { costsPage, PeriodQuery, policyPage } from './insights-pages.ts';
import { errorPage, type Html, page } from './layout.ts';
import { LoginForm, loginPage } from './login-page.ts';
import { overviewPage } from './overview-page.ts';
import { TaskListQuery, taskListPage } from './task-list-page.ts';
import { taskPage } from './task-page.ts';

/** How long a login lasts: a working day. */
const SESSION_SECONDS = 12 * 60 * 60;

/** What the dashboard is built on: the server's Warden, its task queue and its API token. */
export interface DashboardSettings {
  warden: Warden;
  queue: TaskQueue;
  /** The API token (`WARDEN_API_TOKEN`); `undefined` under `--insecure-local`, where nobody logs in. */
  token: string | undefined;
}

/** Not-found codes of the core: 404 pages, not 400. */
const NOT_FOUND = new Set(['task-not-found', 'approval-not-found']);

/**
 * The dashboard, server-rendered HTML on the same routes' root as the API (mount it with
 * `app.route('/', createDashboard(...))`): the fleet overview at `/`, `/tasks`, `/tasks/ID`,
 * `/approvals` (approve or deny, then the task resumes), `/policy` and `/costs`, behind the API's token
 * held in a cookie (`/login`). Every route carries its own guards, so nothing here touches `/api`,
 * `/webhooks` or the health routes. Every page is built with Hono's `html` template, which escapes every
 * interpolated value, and is sent with a Content-Security-Policy that allows no script at all.
 */
export function createDashboard(settings: DashboardSettings): Hono {
  const { warden, queue, token } = settings;
  const auth = createDashboardAuth(token);
  const app = new Hono();
  const frame = (title: string, current: string) => ({ title, current, session: auth.required });
  const render = (
    c: Context,
    title: string,
    current: string,
    body: Html,
    status: 200 | 400 | 401 | 403 | 404 | 500 = 200,
  ) => withHeaders(c).html(page(frame(title, current), body), status);
  const badRequest = (c: Context, title: string, current: string, error: ZodError) =>
    render(c, title, current, html`<p class="error" id="bad-input">${problemOf(error)}</p>`, 400);

  app.get('/login', (c) => {
    if (!auth.required) return c.redirect('/', 303);
    return withHeaders(c).html(loginPage(localPath(c.req.query('next')), undefined));
  });
  app.post('/login', auth.sameOrigin, async (c) => {
    const form = LoginForm.safeParse(await c.req.parseBody());
    if (!form.success) return badRequest(c, 'Log in', '/login', form.error);
    const next = localPath(form.data.next);
    if (!auth.required) return c.redirect(next, 303);
    if (!auth.matches(form.data.token)) {
      return withHeaders(c).html(loginPage(next, 'That is not the server token (WARDEN_API_TOKEN).'), 401);
    }
    setCookie(c, SESSION_COOKIE, form.data.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(next, 303);
  });
  app.post('/logout', auth.sameOrigin, (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect(auth.required ? '/login' : '/', 303);
  });

  app.get('/', auth.session, async (c) => render(c, 'Fleet overview', '/', await overviewPage(warden)));

  app.get('/tasks', auth.session, async (c) => {
    const query = TaskListQuery.safeParse(c.req.query());
    if (!query.success) return badRequest(c, 'Tasks', '/tasks', query.error);
    return render(c, 'Tasks', '/tasks', await taskListPage(warden, query.data));
  });

  app.get('/tasks/:id', auth.session, async (c) => {
    const { title, body } = await taskPage(warden, c.req.param('id'));
    return render(c, title, '/tasks', body);
  });

  app.get('/approvals', auth.session, async (c) => {
    const notice = DecidedQuery.safeParse(c.req.query());
    return render(
      c,
      'Approvals',
      '/approvals',
      await approvalsPage(warden, notice.success ? notice.data : {}),
    );
  });

  app.post('/approvals/:id/:decision{approve|deny}', auth.session, auth.sameOrigin, async (c) => {
    const form = DecisionForm.safeParse(await c.req.parseBody());
    if (!form.success) return badRequest(c, 'Approvals', '/approvals', form.error);
    const approve = c.req.param('decision') === 'approve';
    const { approval, resumed } = await decideApproval(warden, queue, c.req.param('id'), {
      approve,
      by: 'dashboard',
      reason: form.data.reason,
    });
    const query = new URLSearchParams({
      decided: approval.id,
      decision: approve ? 'approved' : 'denied',
      resumed: resumed ? 'yes' : 'no',
    });
    return c.redirect(`/approvals?${query.toString()}`, 303);
  });

  app.get('/policy', auth.session, async (c) => {
    const query = PeriodQuery.safeParse(c.req.query());
    if (!query.success) return badRequest(c, 'Policy decisions', '/policy', query.error);
    return render(c, 'Policy decisions', '/policy', await policyPage(warden, query.data.days));
  });

  app.get('/costs', auth.session, async (c) => {
    const query = PeriodQuery.safeParse(c.req.query());
    if (!query.success) return badRequest(c, 'Costs', '/costs', query.error);
    return render(c, 'Costs', '/costs', await costsPage(warden, query.data.days));
  });

  // A user's mistake (no such task or request, a request already decided) is a 4xx page; Warden's own
  // failures are 500, with the message only when it is one of Warden's errors.
  app.onError((error, c) => {
    if (error instanceof UserError) {
      const status = NOT_FOUND.has(error.code) ? 404 : 400;
      const message = `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
      return withHeaders(c).html(errorPage(frame('Not possible', ''), message), status);
    }
    const message = error instanceof WardenError ? error.message : 'internal error';
    return withHeaders(c).html(errorPage(frame('Error', ''), message), 500);
  });
  return app;
}

/** The headers of every dashboard page: no script, no framing, no sniffing, no cross-site referrer. */
function withHeaders(c: Context): Context {
  c.header(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
  return c;
}

/** `field: what is wrong`, for the first problem of a form or query. */
function problemOf(error: ZodError): string {
  const issue = error.issues[0];
  const keys = issue && 'keys' in issue ? (issue.keys as string[]) : [];
  const field = [...(issue?.path ?? []), ...keys].map(String).join('.') || '(form)';
  return `${field}: ${issue?.message ?? 'invalid'}`;
}
