import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { startVendorServer, type VendorServer } from '../support/vendor-server.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

/** A `warden run` in a child process we can kill -9. */
function startRun(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'run', '--json', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

/** Reads the data directory's database as it is now (another process may be writing it). */
function query<T>(home: string, sql: string, ...parameters: (string | number)[]): T[] {
  const file = path.join(home, 'warden.db');
  if (!existsSync(file)) return [];
  const db = new DatabaseSync(file, { readOnly: true, timeout: 5_000 });
  try {
    return db.prepare(sql).all(...parameters) as T[];
  } catch {
    return []; // Not migrated yet.
  } finally {
    db.close();
  }
}

/** Waits until the task's journal holds an event of `type`; returns the task id. */
async function waitForEvent(home: string, type: string): Promise<string> {
  let taskId = '';
  await vi.waitFor(
    () => {
      const [row] = query<{ task_id: string }>(home, 'SELECT task_id FROM events WHERE type = ?', type);
      expect(row).toBeDefined();
      taskId = row!.task_id;
    },
    { timeout: 30_000, interval: 50 },
  );
  return taskId;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const taskOf = async (home: string, taskId: string) => {
  const result = await runWarden(['tasks', '--json', '--data-dir', home]);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Array<Record<string, unknown>>).find((task) => task.id === taskId)!;
};

describe('a warden run killed with SIGKILL mid-task', () => {
  const work = scratch('interrupted');
  let repo: string;
  let server: VendorServer;

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    server = await startVendorServer();
  });
  afterAll(async () => {
    await server.close();
    work.cleanup();
  });

  it('is reaped by the next command (interrupted, reservation released, booked cost shown), then resumes without paying twice', async () => {
    const home = path.join(work.dir, 'home-model');
    // The local server answers with whole JSON bodies; the client must not ask for a stream.
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, 'config.yaml'), 'provider:\n  streaming: false\n');
    const message = (content: unknown[], stop: string) => ({
      kind: 'json' as const,
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content,
        stop_reason: stop,
        usage: { input_tokens: 1000, output_tokens: 100 },
      },
    });
    const writeNote = message(
      [
        {
          type: 'tool_use',
          id: 'toolu_1',
          name: 'write_file',
          input: { path: 'note.md', content: 'kept\n' },
        },
      ],
      'tool_use',
    );
    // The second call hangs: the process is killed while it waits, with its reservation held.
    let hang = true;
    server.respond((request) => {
      if (request.path !== '/v1/messages') return undefined;
      const calls = server.requests.filter((seen) => seen.path === '/v1/messages').length;
      if (calls === 1) return writeNote;
      if (calls === 2 && hang)
        return { ...message([{ type: 'text', text: 'late' }], 'end_turn'), delayMs: 60_000 };
      return message([{ type: 'text', text: 'done' }], 'end_turn');
    });
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url };
    const child = startRun(
      ['--repo', repo, '--task', 'write a note', '--model', 'anthropic:claude-haiku-4-5', '--data-dir', home],
      env,
    );
    await vi.waitFor(() => expect(server.requests.length).toBe(2), { timeout: 30_000, interval: 50 });
    const taskId = await waitForEvent(home, 'tool-call-end');
    const held = () =>
      query<{ held: number }>(
        home,
        "SELECT held_nanos AS held FROM spend_windows WHERE scope = ? AND window = 'all'",
        `task:${taskId}`,
      )[0]?.held ?? 0;
    await vi.waitFor(() => expect(held()).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    await killHard(child);
    hang = false;

    // Any command that opens the data directory reaps, a report too.
    expect((await runWarden(['cost', '--json', '--data-dir', home])).code).toBe(0);
    expect(query<{ status: string }>(home, 'SELECT status FROM tasks WHERE id = ?', taskId)[0]?.status).toBe(
      'interrupted',
    );
    const task = await taskOf(home, taskId);
    expect(task).toMatchObject({ status: 'interrupted', steps: 1 });
    expect(task.costUsd).toBeGreaterThan(0);
    expect(Date.parse(String(task.resumableUntil))).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(held()).toBe(0);
    expect(existsSync(path.join(home, 'scratch', taskId))).toBe(true);
    const trace = await runWarden(['trace', taskId, '--data-dir', home]);
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toMatch(/task-interrupted/);
    expect(trace.stdout).toMatch(/chain verified \(interrupted, checkpoint \d+\)/);

    const resumed = await runWarden(['resume', taskId, '--json', '--data-dir', home], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'unverified', steps: 2 });
    // The first call was not made again; the one that had no answer was.
    expect(server.requests.filter((seen) => seen.path === '/v1/messages')).toHaveLength(3);
    expect(git(repo, 'show', `warden/${taskId}:note.md`)).toBe('kept');
    const after = await runWarden(['trace', taskId, '--data-dir', home]);
    expect(after.stdout).toMatch(/chain verified \(complete/);
    // What the task is charged is exactly the model calls that were answered: two, the killed one not at all.
    const events = JSON.parse(
      (await runWarden(['trace', taskId, '--json', '--data-dir', home])).stdout,
    ) as Array<Record<string, unknown>>;
    const answered = events.filter((event) => event.type === 'model-response');
    expect(answered).toHaveLength(2);
    const charged = answered.reduce((sum, event) => sum + Number(event.costUsd), 0);
    const final = await taskOf(home, taskId);
    expect(final.costUsd).toBeCloseTo(charged, 9);
    const [spent] = query<{ spent: number }>(
      home,
      "SELECT spent_nanos AS spent FROM spend_windows WHERE scope = ? AND window = 'all'",
      `task:${taskId}`,
    );
    expect((spent?.spent ?? 0) / 1e9).toBeCloseTo(charged, 9);
    expect(held()).toBe(0);
  }, 240_000);

  it('does not re-run a shell command cut off mid-run, and removes the workspace once the keep time is over', async () => {
    const home = path.join(work.dir, 'home-shell');
    const config = path.join(work.dir, 'keep-none.yaml');
    writeFileSync(config, 'recovery:\n  keepInterruptedHours: 0\n');
    const script = writeScript(work.dir, {
      turns: [
        { tool_calls: [{ name: 'shell', input: { command: 'echo started > started.txt && sleep 60' } }] },
        { text: 'done' },
      ],
    });
    const run = () =>
      startRun(['--repo', repo, '--task', 'sleep', '--model', `scripted:${script}`, '--data-dir', home]);

    // First: killed during the command, resumed.
    const first = run();
    const resumable = await waitForEvent(home, 'tool-call-start');
    await vi.waitFor(
      () => expect(existsSync(path.join(home, 'scratch', resumable, 'repo', 'started.txt'))).toBe(true),
      {
        timeout: 30_000,
        interval: 50,
      },
    );
    await killHard(first);
    expect(await taskOf(home, resumable)).toMatchObject({ status: 'interrupted' });
    const resumed = await runWarden(['resume', resumable, '--json', '--data-dir', home]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'unverified' });
    const events = JSON.parse(
      (await runWarden(['trace', resumable, '--json', '--data-dir', home])).stdout,
    ) as Array<Record<string, unknown>>;
    expect(events.filter((event) => event.type === 'tool-call-start')).toHaveLength(1);
    expect(events.find((event) => event.type === 'tool-call-end')).toMatchObject({
      interrupted: true,
      isError: true,
      output: expect.stringMatching(/interrupted/),
    });

    // Second: killed, then left alone past a keep time of 0.
    const second = run();
    await vi.waitFor(
      () =>
        expect(
          query<{ n: number }>(home, "SELECT COUNT(*) AS n FROM events WHERE type = 'tool-call-start'")[0]?.n,
        ).toBe(2),
      { timeout: 30_000, interval: 50 },
    );
    const [row] = query<{ task_id: string }>(
      home,
      "SELECT task_id FROM events WHERE type = 'tool-call-start' AND task_id != ?",
      resumable,
    );
    const abandoned = row!.task_id;
    await killHard(second);
    const reaped = await runWarden(['tasks', '--json', '--config', config, '--data-dir', home]);
    expect(reaped.code, reaped.stderr).toBe(0);
    expect(existsSync(path.join(home, 'scratch', abandoned))).toBe(true);
    expect(await taskOf(home, abandoned)).toMatchObject({ status: 'interrupted' });
    await runWarden(['tasks', '--config', config, '--data-dir', home]);
    expect(existsSync(path.join(home, 'scratch', abandoned))).toBe(false);
    expect(await taskOf(home, abandoned)).toMatchObject({ status: 'interrupted', resumableUntil: null });
    const refused = await runWarden(['resume', abandoned, '--data-dir', home]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/workspace is gone/);
  }, 240_000);
});
