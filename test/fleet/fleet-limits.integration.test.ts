import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));
const server = postgresForTests();

describe.skipIf(server.url === undefined)('fleet.concurrency across workers', () => {
  const work = scratch('fleet-limits');
  let database: TestDatabase;
  const workers: ChildProcess[] = [];
  let common: string[];

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    const config = path.join(work.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f NOTES.md' }, fleet: { concurrency: { repository: 1 } } }),
    );
    common = ['--db', database.url, '--data-dir', path.join(work.dir, 'home'), '--config', config];
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await database?.drop();
    work.cleanup();
  });

  it('never runs two tasks of one repository at once, while another repository’s runs beside them', {
    timeout: 120_000,
  }, async () => {
    const script = writeScript(work.dir, {
      turns: [
        { tool_calls: [{ name: 'shell', input: { command: 'sleep 1; echo notes > NOTES.md' } }] },
        { text: 'Added the notes.' },
      ],
    });
    const busy = makeRepo(path.join(work.dir, 'busy'), { 'README.md': '# busy\n' });
    const other = makeRepo(path.join(work.dir, 'other'), { 'README.md': '# other\n' });
    const queued: Array<{ repo: string; taskId: string }> = [];
    for (const repo of [busy, busy, busy, other]) {
      const result = await runWarden([
        'run',
        '--repo',
        repo,
        '--task',
        'add notes',
        '--model',
        `scripted:${script}`,
        '--queue',
        '--json',
        ...common,
      ]);
      expect(result.code, result.stderr).toBe(0);
      queued.push({ repo, taskId: JSON.parse(result.stdout).taskId });
    }
    for (let index = 0; index < 2; index++) {
      workers.push(
        spawn(process.execPath, [BIN, 'worker', ...common, '--concurrency', '2', '--lease-seconds', '10'], {
          stdio: 'ignore',
        }),
      );
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await vi.waitFor(
        async () => {
          const { rows } = await client.query("SELECT id FROM tasks WHERE status = 'succeeded'");
          expect(rows).toHaveLength(queued.length);
        },
        { timeout: 100_000, interval: 500 },
      );
      const { rows } = await client.query<{ task_id: string; type: string; at: string }>(
        "SELECT task_id, type, at FROM events WHERE type IN ('task-start', 'task-end') ORDER BY at",
      );
      const span = (taskId: string) => {
        const of = rows.filter((row) => row.task_id === taskId);
        return [
          Date.parse(of.find((row) => row.type === 'task-start')!.at),
          Date.parse(of.find((row) => row.type === 'task-end')!.at),
        ] as const;
      };
      const busySpans = queued.filter((task) => task.repo === busy).map((task) => span(task.taskId));
      busySpans.sort((a, b) => a[0] - b[0]);
      for (let index = 1; index < busySpans.length; index++) {
        expect(busySpans[index]![0]).toBeGreaterThanOrEqual(busySpans[index - 1]![1]);
      }
      // The other repository's task was not held back behind them: it started before the last busy one.
      const [otherStart] = span(queued.find((task) => task.repo === other)!.taskId);
      expect(otherStart).toBeLessThan(busySpans.at(-1)![0]);
    } finally {
      await client.end();
    }
  });
});
