import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));
const TOKEN = 'test-token-1f2e3d';
const SECRET = 'webhook-secret-9a8b';

/** GitHub's own example payloads (`@octokit/webhooks-examples`), by event. */
const EXAMPLES = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}>;
const exampleOf = (event: string, action: string) =>
  structuredClone(
    EXAMPLES.find((entry) => entry.name === event)!.examples.find((example) => example.action === action)!,
  );

/**
 * GitHub's example of a completed `workflow_run` (of Codertocat/Hello-World), made a failure on `branch`
 * by `sender`, as a CI failure webhook would come.
 */
function workflowRun(options: { branch?: string; sender?: string; conclusion?: string } = {}) {
  const payload = exampleOf('workflow_run', 'completed') as {
    repository: { full_name: string };
    workflow_run: { conclusion: string | null; head_branch: string; name: string };
    sender: { login: string };
  };
  payload.workflow_run.conclusion = options.conclusion ?? 'failure';
  payload.workflow_run.head_branch = options.branch ?? 'main';
  payload.sender.login = options.sender ?? 'octocat';
  return payload;
}

/** Signs `body` as GitHub does: HMAC-SHA256 under the webhook secret, hex, `sha256=` first. */
function signature(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
const usage = { input_tokens: 1000, output_tokens: 20 };

/** A running `warden serve` on a free loopback port, and what it printed on stderr. */
interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startServer(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`warden serve did not start:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exited });
      }
    });
    exited.then(() => reject(new Error(`warden serve exited:\n${stderr}`)));
  });
}

describe('warden serve', () => {
  const work = scratch('serve');
  const home = path.join(work.dir, 'home');
  let server: Server;
  let repo: string;
  const api = (route: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${server.url}${route}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...init.headers,
      },
    });

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), {
      'value.txt': 'broken\n',
      'check.sh': 'test "$(cat value.txt)" = fixed\n',
    });
    const script = writeScript(work.dir, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        { tool_calls: [{ name: 'shell', input: { command: 'sleep 2' } }], usage },
        { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
        { text: 'fixed', usage },
      ],
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `model: scripted:${script}`,
        'agent:\n  check: sh check.sh',
        'triggers:\n  github:',
        `    repositories:\n      octo-org/octo-repo: ${repo}\n      Codertocat/Hello-World: ${repo}\n      octo/gone: ${path.join(work.dir, 'no-such-checkout')}`,
        '    ignoreActors: [warden-bot]',
        '    on:\n      - event: workflow_run\n        agent: coder\n      - event: issues\n        label: bug\n        agent: coder',
        '',
      ].join('\n'),
    );
    server = await startServer(['--data-dir', home, '--config', config, '--concurrency', '1'], {
      WARDEN_API_TOKEN: TOKEN,
      WARDEN_GITHUB_WEBHOOK_SECRET: SECRET,
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    work.cleanup();
  });

  it('refuses to serve the API without a token, unless on loopback with --insecure-local', async () => {
    const refused = await runWarden(['serve', '--port', '0', '--data-dir', path.join(work.dir, 'other')], {
      env: { WARDEN_API_TOKEN: '' },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to serve the API without a token');
    const wide = await runWarden(
      ['serve', '--host', '0.0.0.0', '--insecure-local', '--data-dir', path.join(work.dir, 'other')],
      {
        env: { WARDEN_API_TOKEN: '' },
      },
    );
    expect(wide.code).toBe(2);
  });

  it('answers health and readiness, and nothing under /api without the token', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ ready: true });
    expect((await api('/api/tasks', {}, null)).status).toBe(401);
    expect((await api('/api/tasks', {}, 'wrong-token')).status).toBe(401);
  });

  it('refuses a bad body with 400, naming the field', async () => {
    const missing = await api('/api/tasks', { method: 'POST', body: JSON.stringify({ repo }) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: 'task' });
    const unknown = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo, task: 't', force: true }),
    });
    expect(await unknown.json()).toMatchObject({ field: 'force' });
    const relative = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo: 'repo', task: 't' }),
    });
    expect(await relative.json()).toMatchObject({ field: 'repo' });
    const garbage = await api('/api/tasks', { method: 'POST', body: '{not json' });
    expect(garbage.status).toBe(400);
    expect((await api('/api/tasks/t-nope')).status).toBe(404);
    expect((await api('/api/approvals/nope/approve', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('starts the agent of a signed failing workflow_run, once, and nothing for a forged, replayed or own event', async () => {
    const deliver = (payload: unknown, id: string, sign: (body: string) => string | null = signature) => {
      const body = JSON.stringify(payload);
      const signed = sign(body);
      return fetch(`${server.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'workflow_run',
          'x-github-delivery': id,
          ...(signed === null ? {} : { 'x-hub-signature-256': signed }),
        },
      });
    };
    const count = async () =>
      ((await (await api('/api/tasks?limit=100')).json()) as { tasks: unknown[] }).tasks.length;
    const before = await count();
    expect((await deliver(workflowRun(), 'd-unsigned', () => null)).status).toBe(401);
    expect(
      (await deliver(workflowRun(), 'd-forged', (body) => signature(body, 'not-the-secret'))).status,
    ).toBe(401);

    const started = await deliver(workflowRun(), 'd-1');
    expect(started.status).toBe(202);
    const { taskId } = (await started.json()) as { taskId: string };
    // The same workflow failing again on the same branch while its task works: no second task.
    const again = (await (await deliver(workflowRun(), 'd-1b')).json()) as { reason: string };
    expect(again, JSON.stringify(again)).toHaveProperty('reason');
    expect(again.reason).toContain(`task ${taskId} is already working on workflow_run:`);
    await vi.waitFor(
      async () => {
        const { task } = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
        expect(task.status).toBe('succeeded');
      },
      { timeout: 60_000, interval: 200 },
    );
    const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      events: Array<{ type: string; trigger?: unknown; prompt?: string }>;
    };
    expect(trace.events[0]).toMatchObject({
      type: 'task-start',
      trigger: { kind: 'github', event: 'workflow_run.completed', deliveryId: 'd-1', actor: 'octocat' },
    });
    expect(trace.events[0]?.prompt).toContain('failed on branch main');

    expect(await (await deliver(workflowRun(), 'd-1')).json()).toEqual({ outcome: 'replayed' });
    const own = (await (await deliver(workflowRun({ sender: 'warden-bot' }), 'd-2')).json()) as {
      reason: string;
    };
    expect(own.reason).toContain("warden-bot is Warden's own account");
    const branch = (await (await deliver(workflowRun({ branch: 'warden/t-1' }), 'd-3')).json()) as {
      reason: string;
    };
    expect(branch.reason).toContain("Warden's own branch");
    const passing = (await (await deliver(workflowRun({ conclusion: 'success' }), 'd-4')).json()) as {
      outcome: string;
    };
    expect(passing.outcome).toBe('ignored');
    // At most two tasks an hour per repository (triggers.github.maxPerHour).
    expect((await deliver(workflowRun({ branch: 'dev' }), 'd-5')).status).toBe(202);
    const limited = (await (await deliver(workflowRun({ branch: 'release' }), 'd-6')).json()) as {
      reason: string;
    };
    expect(limited.reason).toContain('Codertocat/Hello-World started 2 task(s) in the last hour');
    await vi.waitFor(async () => expect(await count()).toBe(before + 2), { timeout: 30_000, interval: 200 });

    // GitHub's example of an issue labelled `bug` starts the issues rule's agent on the issue's text.
    // (of another repository: this one has had its two tasks this hour)
    const issue = exampleOf('issues', 'labeled') as { repository: { full_name: string } };
    issue.repository.full_name = 'octo-org/octo-repo';
    const labelled = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      body: JSON.stringify(issue),
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': 'd-issue',
        'x-hub-signature-256': signature(JSON.stringify(issue)),
      },
    });
    expect(labelled.status).toBe(202);
    const issueTask = ((await labelled.json()) as { taskId: string }).taskId;
    await vi.waitFor(
      async () => {
        const events = (
          (await (await api(`/api/tasks/${issueTask}/trace`)).json()) as {
            events?: Array<{ prompt?: string }>;
          }
        ).events;
        expect(events?.[0]?.prompt).toContain('Resolve issue #1: Spelling error in the README file');
      },
      { timeout: 30_000, interval: 200 },
    );

    // A task that cannot start (its checkout is gone) says why, and does not hold its subject.
    const gone = { ...workflowRun(), repository: { ...workflowRun().repository, full_name: 'octo/gone' } };
    const first = (await (await deliver(gone, 'd-g1')).json()) as { taskId: string };
    await vi.waitFor(
      async () => {
        const { task } = (await (await api(`/api/tasks/${first.taskId}`)).json()) as {
          task: { status: string; error: string };
        };
        expect(task).toMatchObject({ status: 'failed' });
        expect(task.error).toContain('no-such-checkout');
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await deliver(gone, 'd-g2')).status).toBe(202);
  });

  it('runs a task it accepted, shows it and its trace, and on SIGTERM lets it finish before exiting', async () => {
    const accepted = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo, task: 'fix value.txt', requestedBy: 'ci-bot' }),
    });
    expect(accepted.status).toBe(202);
    const { taskId } = (await accepted.json()) as { taskId: string };
    // Running (its `sleep 2`): a SIGTERM now takes no new task but lets this one end.
    await vi.waitFor(
      async () => {
        const { task } = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
        expect(task.status).toBe('running');
      },
      { timeout: 30_000, interval: 100 },
    );
    server.child.kill('SIGTERM');
    await vi.waitFor(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(503), {
      timeout: 10_000,
      interval: 50,
    });
    const late = await api('/api/tasks', { method: 'POST', body: JSON.stringify({ repo, task: 'later' }) });
    expect(late.status).toBe(503);
    expect(await server.exited).toBe(0);

    const listed = JSON.parse((await runWarden(['tasks', '--json', '--data-dir', home])).stdout) as Array<{
      id: string;
      status: string;
      requestedBy: string;
    }>;
    expect(listed.find((task) => task.id === taskId)).toMatchObject({
      status: 'succeeded',
      requestedBy: 'ci-bot',
    });

    // Served again, the finished task and its trace are there.
    server = await startServer(['--data-dir', home], { WARDEN_API_TOKEN: TOKEN });
    const shown = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
    expect(shown.task.status).toBe('succeeded');
    const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      events: Array<{ type: string }>;
      verification: { ok: boolean };
    };
    expect(trace.verification.ok).toBe(true);
    expect(trace.events.at(-1)?.type).toBe('task-end');
    const list = (await (await api('/api/tasks?status=succeeded&limit=5')).json()) as {
      tasks: Array<{ id: string }>;
    };
    expect(list.tasks.map((task) => task.id)).toContain(taskId);
    expect((await api('/api/tasks?limit=zero')).status).toBe(400);
    expect(await (await api('/api/approvals')).json()).toEqual({ approvals: [] });
  });

  it('stopped at once mid-task by a second SIGTERM, resumes the task on its next start and finishes it', async () => {
    const script = writeScript(
      work.dir,
      {
        model: 'anthropic:claude-haiku-4-5',
        turns: [
          { tool_calls: [{ name: 'shell', input: { command: 'sleep 30' } }], usage },
          { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
          { text: 'fixed', usage },
        ],
      },
      'slow.json',
    );
    const config = path.join(work.dir, 'slow.yaml');
    writeFileSync(config, `model: scripted:${script}\nagent:\n  check: sh check.sh\n`);
    const dataDir = path.join(work.dir, 'slow-home');
    server = await startServer(['--data-dir', dataDir, '--config', config], { WARDEN_API_TOKEN: TOKEN });
    const accepted = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo, task: 'fix it' }),
    });
    const { taskId } = (await accepted.json()) as { taskId: string };
    await vi.waitFor(
      async () => {
        const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
          events?: Array<{ type: string }>;
        };
        expect(trace.events?.some((event) => event.type === 'tool-call-start')).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    server.child.kill('SIGTERM');
    await vi.waitFor(() => expect(server.stderr()).toContain('signal again to stop now'), {
      timeout: 10_000,
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(5);

    server = await startServer(['--data-dir', dataDir, '--config', config], { WARDEN_API_TOKEN: TOKEN });
    await vi.waitFor(() => expect(server.stderr()).toContain('resuming 1 interrupted task(s)'), {
      timeout: 10_000,
    });
    await vi.waitFor(
      async () => {
        const { task } = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
        expect(task.status).toBe('succeeded');
      },
      { timeout: 60_000, interval: 200 },
    );
  });

  it("starts a schedule's task at its tick, one at a time, and refuses a pattern it cannot read", async () => {
    const script = writeScript(
      work.dir,
      {
        model: 'anthropic:claude-haiku-4-5',
        turns: [
          { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
          { text: 'fixed', usage },
        ],
      },
      'tick.json',
    );
    const config = path.join(work.dir, 'tick.yaml');
    const schedule = (cron: string) =>
      `model: scripted:${script}\nagent:\n  check: sh check.sh\ntriggers:\n  schedules:\n    - name: tick\n      cron: "${cron}"\n      repo: ${repo}\n      task: keep value.txt fixed\n`;
    writeFileSync(config, schedule('not a pattern'));
    const refused = await runWarden(
      ['serve', '--port', '0', '--config', config, '--data-dir', path.join(work.dir, 'tick-home')],
      {
        env: { WARDEN_API_TOKEN: TOKEN },
      },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('triggers.schedules.0.cron');

    // Every second: the first tick starts a task; the ticks while it runs start none.
    writeFileSync(config, schedule('* * * * * *'));
    server = await startServer(['--data-dir', path.join(work.dir, 'tick-home'), '--config', config], {
      WARDEN_API_TOKEN: TOKEN,
    });
    let taskId = '';
    await vi.waitFor(
      async () => {
        const { tasks } = (await (await api('/api/tasks?status=succeeded')).json()) as {
          tasks: Array<{ id: string; requestedBy: string }>;
        };
        expect(tasks.length).toBeGreaterThan(0);
        expect(tasks[0]).toMatchObject({ requestedBy: 'schedule:tick' });
        taskId = tasks[0]!.id;
      },
      { timeout: 30_000, interval: 200 },
    );
    const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      events: Array<Record<string, unknown>>;
    };
    expect(trace.events[0]).toMatchObject({ trigger: { kind: 'schedule', event: 'tick' } });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const all = JSON.parse(
      (await runWarden(['tasks', '--json', '--limit', '100', '--data-dir', path.join(work.dir, 'tick-home')]))
        .stdout,
    ) as Array<{ status: string; createdAt: string; endedAt: string | null }>;
    // One at a time: no task of the schedule started before the one before it had ended.
    const ordered = [...all].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const [index, task] of ordered.entries()) {
      const previous = ordered[index - 1];
      if (previous) expect(previous.endedAt !== null && previous.endedAt <= task.createdAt).toBe(true);
    }
  });
});
