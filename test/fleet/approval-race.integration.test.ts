import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { createWarden, goOnIfDecided, type Warden } from '../../src/warden/index.ts';
import { makeRepo, scratch, writeScript } from '../support/cli.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`fleet approval race: skipped: ${server.skipReason}`);

/**
 * A fleet task whose approval a human decides while its worker is still pausing it: `warden serve` sees
 * the task running and queues no resume, so nothing but the worker itself can continue it. The state
 * that race leaves (a decided request, no resume job) is made here by deciding straight on the store
 * after the pause; the worker's check after each run (`goOnIfDecided`) must then carry the task on. The
 * model is the scripted model (simulated replies from a file).
 */
describe.skipIf(!server.url)('a fleet worker: an approval decided while its task was pausing', () => {
  const work = scratch('approval-race');
  let database: TestDatabase;
  let warden: Warden;
  let repo: string;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const configPath = path.join(work.dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ agent: { check: 'test -f NOTES.md' } }));
    warden = await createWarden({
      dataDir: path.join(work.dir, 'home'),
      configPath,
      env: process.env,
      database: database.url,
      leaseMs: 5_000,
      warn: () => {},
    });
  });
  afterAll(async () => {
    await warden?.close();
    await database?.drop();
    work.cleanup();
  });

  /** A task whose first call writes a CI workflow (a protected path: the default bundle asks), then the notes its check wants. */
  const pausedTask = async (name: string) => {
    const script = writeScript(work.dir, {
      turns: [
        {
          tool_calls: [
            { name: 'write_file', input: { path: `.github/workflows/${name}.yml`, content: 'on: push\n' } },
          ],
        },
        { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }] },
        { text: 'Added the workflow.' },
      ],
    });
    const started = await warden.runTask({
      repo,
      task: `add ${name}`,
      model: `scripted:${script}`,
      createBranch: false,
    });
    expect(started.task.status).toBe('awaiting_approval');
    const [request] = (await warden.approvals()).filter((pending) => pending.taskId === started.task.id);
    expect(request).toBeDefined();
    return { taskId: started.task.id, approvalId: request!.id };
  };

  it('goes on at once when no request of the task is pending any more, and waits while one is', {
    timeout: 120_000,
  }, async () => {
    const decided = await pausedTask('decided');
    await warden.decideApproval(decided.approvalId, { approve: true, by: 'alice' });
    await goOnIfDecided(warden, decided.taskId);
    const done = await warden.findTask(decided.taskId);
    expect(done.status).toBe('succeeded');
    // The approved write ran, once, under its approval.
    const { events } = await warden.trace(decided.taskId);
    const approved = events.filter(
      (event) => event.type === 'tool-call-end' && event.approvalId === decided.approvalId,
    );
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ isError: false, tool: 'write_file' });

    const waiting = await pausedTask('waiting');
    await goOnIfDecided(warden, waiting.taskId);
    expect((await warden.findTask(waiting.taskId)).status).toBe('awaiting_approval');
  });
});
