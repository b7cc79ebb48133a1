import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const server = postgresForTests();
const usage = { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 400 };

/** A value with what differs between two runs of one task (ids, times, durations, hashes) replaced. */
function comparable(value: unknown, taskId: string): unknown {
  const text = JSON.stringify(value)
    .replaceAll(taskId, 'TASK')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/"(durationMs|latencyMs|elapsedMs|wallMs)":[\d.]+/g, '"$1":0')
    .replace(/\b[0-9a-f]{40,64}\b/g, 'HASH')
    // The result commits differ: their messages name each task.
    .replace(/ at [0-9a-f]{12}\b/g, ' at COMMIT')
    .replace(/"(pid|startTicks|bootId|host)":("[^"]*"|\d+)/g, '"$1":"X"')
    .replace(/\/tmp\/warden-same-[^/"]+\/home-(sqlite|postgres)/g, 'HOME')
    .replace(/"(reservationId|key|approvalId|id)":"[^"]+"/g, '"$1":"ID"');
  return JSON.parse(text);
}

describe.skipIf(server.url === undefined)('the same task on SQLite and on PostgreSQL', () => {
  const work = scratch('same');
  let database: TestDatabase;
  let repo: string;
  let config: string;
  let script: string;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    config = path.join(work.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f NOTES.md' }, forge: { kind: 'local', remote } }),
    );
    script = writeScript(work.dir, {
      model: 'anthropic:claude-sonnet-4-6',
      turns: [
        { tool_calls: [{ name: 'read_file', input: { path: 'README.md' } }], usage },
        { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }], usage },
        { tool_calls: [{ name: 'shell', input: { command: 'cat NOTES.md' } }], usage },
        { text: 'Added the notes.', usage },
      ],
    });
  });
  afterAll(async () => {
    await database?.drop();
    work.cleanup();
  });

  it('gives the same run, trace, cost and audit', { timeout: 120_000 }, async () => {
    const answers: Record<string, unknown>[] = [];
    for (const engine of ['sqlite', 'postgres'] as const) {
      const store = [
        '--data-dir',
        path.join(work.dir, `home-${engine}`),
        '--config',
        config,
        ...(engine === 'postgres' ? ['--db', database.url] : []),
      ];
      const warden = async (args: string[]) => {
        const result = await runWarden([...args, '--json', ...store]);
        expect(result.code, `${engine}: warden ${args.join(' ')}: ${result.stderr}`).toBe(0);
        return JSON.parse(result.stdout) as unknown;
      };
      const run = (await warden([
        'run',
        '--repo',
        repo,
        '--task',
        'add notes',
        '--model',
        `scripted:${script}`,
      ])) as {
        taskId: string;
      };
      // The local forge keeps one remote: the second engine's pull request and branch must not clash.
      execFileSync('git', ['-C', repo, 'branch', '-D', `warden/${run.taskId}`], { stdio: 'ignore' });
      const answer = {
        run,
        trace: await warden(['trace', run.taskId]),
        cost: await warden(['cost']),
        audit: await warden(['audit', run.taskId]),
        verify: await warden(['audit', 'verify', run.taskId]),
        search: await warden(['audit', 'search', '--path', 'NOTES.md']),
      };
      answers.push(comparable(answer, run.taskId) as Record<string, unknown>);
    }
    const [sqlite, postgres] = answers as [Record<string, unknown>, Record<string, unknown>];
    expect(postgres.run).toEqual(sqlite.run);
    expect(postgres.trace).toEqual(sqlite.trace);
    expect(postgres.cost).toEqual(sqlite.cost);
    expect(postgres.audit).toEqual(sqlite.audit);
    expect(postgres.verify).toEqual(sqlite.verify);
    expect(postgres.search).toEqual(sqlite.search);
    expect((sqlite.run as { status: string }).status).toBe('succeeded');
  });
});
