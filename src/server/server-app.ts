import { createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { type Context, Hono } from 'hono';
import { type ZodError, z } from 'zod';
import { UserError, WardenError } from '../spec/errors.ts';
import { newTaskId, type TriggerDecision, type Warden } from '../warden/index.ts';
import { createDashboard } from './dashboard/index.ts';
import { decideApproval } from './decide-approval.ts';
import { sameSecret } from './same-secret.ts';
import type { TaskQueue } from './task-queue.ts';

/** `POST /api/tasks`: the fields of `warden run`, plus `agent`. */
const NewTaskBody = z.strictObject({
  repo: z.string().min(1).refine(path.isAbsolute, 'an absolute path to the repository'),
  task: z.string().min(1),
  agent: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  maxUsd: z.number().positive().optional(),
  maxSteps: z.number().int().positive().optional(),
  noBranch: z.boolean().optional(),
  shadow: z.boolean().optional(),
  requestedBy: z.string().min(1).max(200).optional(),
});

const TaskListQuery = z.strictObject({
  status: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).optional(),
});

const DecisionBody = z.strictObject({
  by: z.string().min(1).max(200).optional(),
  reason: z.string().min(1).max(2000).optional(),
});

/** Error codes that mean "no such thing": 404, not 400. */
const NOT_FOUND = new Set(['task-not-found', 'approval-not-found']);

/**
 * The HTTP face of a Warden (Hono): `GET /healthz`, `GET /readyz` (503 while draining), and the JSON API
 * under `/api`, behind a bearer token when `token` is set (compared in constant time). Bodies and
 * queries are validated; bad input gets 400 naming the field. Tasks go to `queue`; everything else is
 * the Warden's own operations, as the CLI calls them.
 */
export function createServerApp(warden: Warden, queue: TaskQueue, token: string | undefined): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', (c) =>
    queue.accepting ? c.json({ ready: true }) : c.json({ ready: false, reason: 'shutting down' }, 503),
  );

  // Prometheus scrapes the counters of every task in the store, behind the same token as the API.
  app.use('/metrics', async (c, next) => {
    if (token !== undefined && !sameSecret(bearerOf(c.req.header('authorization')), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'a valid bearer token is required (WARDEN_API_TOKEN)' }, 401);
    }
    await next();
  });
  app.get('/metrics', async (c) =>
    c.body(await warden.metricsText(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );

  app.use('/api/*', async (c, next) => {
    if (token !== undefined && !sameSecret(bearerOf(c.req.header('authorization')), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'a valid bearer token is required (WARDEN_API_TOKEN)' }, 401);
    }
    await next();
  });

  app.post('/api/tasks', async (c) => {
    const body = NewTaskBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return badInput(c, body.error);
    if (!queue.accepting)
      return c.json({ error: 'the server is shutting down; send the task again later' }, 503);
    const { noBranch, requestedBy, ...fields } = body.data;
    const taskId = newTaskId();
    queue.add(taskId, { ...fields, createBranch: noBranch !== true, requestedBy: requestedBy ?? 'api' });
    return c.json({ taskId, status: 'queued' }, 202);
  });

  app.get('/api/tasks', async (c) => {
    const query = TaskListQuery.safeParse(c.req.query());
    if (!query.success) return badInput(c, query.error);
    const { status, limit = 50 } = query.data;
    const all = await warden.tasks({ limit: status === undefined ? limit : 1000 });
    const tasks = all.filter((task) => status === undefined || task.status === status).slice(0, limit);
    const details = await warden.taskDetails(tasks.map((task) => task.id));
    return c.json({ tasks: tasks.map((task) => ({ ...task, ...details.get(task.id) })) });
  });

  app.get('/api/tasks/:id', async (c) => {
    const id = c.req.param('id');
    const queued = queue.find(id);
    if (queued && queued.state !== 'done') {
      // Not in the store yet (waiting for a runner), or it never got there (its repository was bad).
      const found = await warden.findTask(id).catch(() => undefined);
      if (!found) return c.json({ task: { id, status: queued.state, error: queued.error ?? null } });
    }
    const task = await warden.findTask(id);
    const details = (await warden.taskDetails([task.id])).get(task.id);
    return c.json({ task: { ...task, ...details } });
  });

  app.get('/api/tasks/:id/trace', async (c) => {
    const { task, events, verification } = await warden.trace(c.req.param('id'));
    return c.json({ task, events, verification });
  });

  app.get('/api/approvals', async (c) =>
    c.json({ approvals: await warden.approvals({ all: c.req.query('all') === 'true' }) }),
  );

  app.post('/api/approvals/:id/:decision{approve|deny}', async (c) => {
    const body = DecisionBody.safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) return badInput(c, body.error);
    // The task's resume is queued once it waits on nothing else, as the dashboard's decisions do.
    const decided = await decideApproval(warden, queue, c.req.param('id'), {
      approve: c.req.param('decision') === 'approve',
      by: body.data.by ?? 'api',
      reason: body.data.reason,
    });
    return c.json(decided);
  });

  // GitHub's webhooks: the signature over the raw body is checked before anything is read or stored.
  app.post('/webhooks/github', async (c) => {
    const secret = warden.env[warden.config.triggers.github.secretEnv];
    if (!secret) {
      return c.json({ error: `no webhook secret: set ${warden.config.triggers.github.secretEnv}` }, 503);
    }
    const body = Buffer.from(await c.req.arrayBuffer());
    if (!signedBy(body, c.req.header('x-hub-signature-256'), secret)) {
      return c.json({ error: 'the X-Hub-Signature-256 signature does not match the body' }, 401);
    }
    const id = c.req.header('x-github-delivery');
    const event = c.req.header('x-github-event');
    if (!id || !event) return c.json({ error: 'X-GitHub-Delivery and X-GitHub-Event are required' }, 400);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    if (event === 'ping') return c.json({ outcome: 'pong' });
    let decision: Awaited<ReturnType<Warden['receiveGithubDelivery']>>;
    try {
      decision = await warden.receiveGithubDelivery({ id, event, payload });
    } catch (error) {
      // GitHub could not be asked (who may write, the open pull requests): nothing was recorded.
      if (error instanceof WardenError && error.isRetryable) {
        return c.json({ error: `${error.message}; GitHub can redeliver it` }, 503);
      }
      throw error;
    }
    return started(c, queue, decision, 'GitHub can redeliver it');
  });

  // Alerts (PagerDuty v3, Alertmanager): the signature over the raw body is checked before anything else.
  app.post('/webhooks/alert', async (c) => {
    const secret = warden.env[warden.config.triggers.alerts.secretEnv];
    if (!secret) {
      return c.json(
        { error: `no alert webhook secret: set ${warden.config.triggers.alerts.secretEnv}` },
        503,
      );
    }
    const body = Buffer.from(await c.req.arrayBuffer());
    const pagerduty = c.req.header('x-pagerduty-signature');
    const signed =
      pagerduty === undefined
        ? signedBy(body, c.req.header('x-warden-signature'), secret)
        : pagerduty.split(',').some((one) => signedBy(body, one.trim().replace(/^v1=/, 'sha256='), secret));
    if (!signed) {
      return c.json(
        { error: 'the X-PagerDuty-Signature or X-Warden-Signature does not match the body' },
        401,
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    return started(c, queue, await warden.receiveAlert(payload), 'the sender can deliver it again');
  });

  // The dashboard (HTML under /, its own login and guards on each of its routes).
  app.route('/', createDashboard({ warden, queue, token }));

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // The user's mistakes (a bad id, a bad decision) are 4xx; Warden's own failures are 500.
    if (error instanceof UserError) {
      const status = NOT_FOUND.has(error.code) ? 404 : 400;
      return c.json({ error: error.message, code: error.code, hint: error.hint ?? null }, status);
    }
    if (error instanceof WardenError) return c.json({ error: error.message, code: error.code }, 500);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

/**
 * The answer to a decided delivery: 202 with the task once queued (or, in a fleet, the job that decides
 * it), else the decision as it is.
 */
function started(c: Context, queue: TaskQueue, decision: TriggerDecision, again: string): Response {
  if (decision.outcome === 'queued') return c.json(decision, 202);
  if (decision.outcome !== 'started') return c.json(decision);
  if (!queue.add(decision.taskId, decision.request)) {
    return c.json({ error: `the server is shutting down; ${again}` }, 503);
  }
  return c.json({ outcome: 'started', taskId: decision.taskId }, 202);
}

/** 400 naming the first field that is wrong, and why. */
function badInput(c: Context, error: ZodError): Response {
  const issue = error.issues[0];
  const keys = issue && 'keys' in issue ? (issue.keys as string[]) : [];
  const field = [...(issue?.path ?? []), ...keys].map(String).join('.') || '(body)';
  return c.json({ error: `${field}: ${issue?.message ?? 'invalid'}`, field }, 400);
}

function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

/** Whether `signature` (`sha256=HEX`) is the HMAC-SHA256 of `body` under `secret`, compared in constant time. */
function signedBy(body: Buffer, signature: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1]!, 'hex'), expected);
}
