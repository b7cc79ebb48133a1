import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { makeRepo, scratch, writeScript } from '../support/cli.ts';
import { apiOf, type Server, startServer, TOKEN } from '../support/serve.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));
const server = postgresForTests();

describe.skipIf(server.url === undefined)('warden serve --db: a fleet server queues, workers run', () => {
  const work = scratch('serve-fleet');
  let database: TestDatabase;
  let served: Server;
  let worker: ChildProcess | undefined;
  let repo: string;
  let script: string;
  const api = apiOf(() => served);
  const store = () => [
    '--db',
    database.url,
    '--data-dir',
    path.join(work.dir, 'home'),
    '--config',
    path.join(work.dir, 'config.json'),
  ];

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    writeFileSync(
      path.join(work.dir, 'config.json'),
      JSON.stringify({ agent: { check: 'test -f NOTES.md' } }),
    );
    script = writeScript(work.dir, {
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }] },
        { text: 'Added the notes.' },
      ],
    });
    served = await startServer(store(), { WARDEN_API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    served?.child.kill('SIGKILL');
    await served?.exited;
    await database?.drop();
    work.cleanup();
  });

  it('accepts a task, shows it queued until a worker runs it, and the worker ends it', {
    timeout: 90_000,
  }, async () => {
    const accepted = await api('/api/tasks', {
      method: 'POST',
      body: JSON.stringify({ repo, task: 'add notes', model: `scripted:${script}` }),
    });
    expect(accepted.status).toBe(202);
    const { taskId } = (await accepted.json()) as { taskId: string };
    // No worker yet: the server itself runs nothing.
    await vi.waitFor(async () => {
      const shown = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
      expect(shown.task.status).toBe('queued');
    });

    worker = spawn(process.execPath, [BIN, 'worker', ...store(), '--lease-seconds', '5'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let done: { status: string; owner: { pid: number } } | undefined;
    await vi.waitFor(
      async () => {
        const shown = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: typeof done };
        expect(shown.task?.status).toBe('succeeded');
        done = shown.task;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(done?.owner.pid).toBe(worker.pid);
  });
});
