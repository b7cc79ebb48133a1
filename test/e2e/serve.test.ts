import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { apiOf, type Server, startServer, TOKEN } from '../support/serve.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };

describe('warden serve', () => {
  const work = scratch('serve');
  const home = path.join(work.dir, 'home');
  let server: Server;
  let repo: string;
  const api = apiOf(() => server);

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
    writeFileSync(config, [`model: scripted:${script}`, 'agent:\n  check: sh check.sh', ''].join('\n'));
    server = await startServer(['--data-dir', home, '--config', config, '--concurrency', '1'], {
      WARDEN_API_TOKEN: TOKEN,
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
