import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`warden db copy: skipped: ${server.skipReason}`);
const usage = { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 400 };
const PASSWORD = 's3cret-pw';

/** `url` with a password for its user: the test server trusts its socket, so any password gets in. */
const withPassword = (url: string) => url.replace(/^(postgres(?:ql)?:\/\/[^:@/]+)@/, `$1:${PASSWORD}@`);

/** The rows of each table in a PostgreSQL database. */
async function pgCounts(url: string, tables: readonly string[]): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const { rows } = await client.query(`SELECT COUNT(*) AS count FROM ${table}`);
      counts[table] = Number(rows[0].count);
    }
    return counts;
  } finally {
    await client.end();
  }
}

describe.skipIf(server.url === undefined)('warden db copy', () => {
  const work = scratch('dbcopy');
  const home = path.join(work.dir, 'home-sqlite');
  const source = path.join(home, 'warden.db');
  const databases: TestDatabase[] = [];
  const taskIds: string[] = [];
  let config: string;

  const warden = (args: string[]) => runWarden([...args, '--data-dir', home, '--config', config]);
  const freshDatabase = async () => {
    const database = await createTestDatabase(server.url!);
    databases.push(database);
    return database;
  };
  const copy = (url: string, from = `sqlite:${source}`) =>
    warden(['db', 'copy', '--from', from, '--to', withPassword(url), '--json']);

  beforeAll(async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    config = path.join(work.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f NOTES.md' }, forge: { kind: 'local', remote } }),
    );
    const writes = writeScript(work.dir, {
      model: 'anthropic:claude-sonnet-4-6',
      turns: [
        { tool_calls: [{ name: 'read_file', input: { path: 'README.md' } }], usage },
        { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }], usage },
        { tool_calls: [{ name: 'shell', input: { command: 'cat NOTES.md' } }], usage },
        { text: 'Added the notes.', usage },
      ],
    });
    // Its check fails: a task that ends `failed`, with its own spend and outcome.
    const onlyReads = path.join(work.dir, 'reads');
    execFileSync('mkdir', ['-p', onlyReads]);
    const reads = writeScript(onlyReads, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        { tool_calls: [{ name: 'read_file', input: { path: 'README.md' } }], usage },
        { text: 'Nothing to do.', usage },
      ],
    });
    for (const [task, script] of [
      ['add notes', writes],
      ['look around', reads],
      ['add notes again', writes],
    ] as const) {
      const result = await warden([
        'run',
        '--repo',
        repo,
        '--task',
        task,
        '--model',
        `scripted:${script}`,
        '--json',
      ]);
      expect([0, 1], result.stderr).toContain(result.code);
      taskIds.push((JSON.parse(result.stdout) as { taskId: string }).taskId);
    }
  }, 180_000);
  afterAll(async () => {
    for (const database of databases) await database.drop();
    work.cleanup();
  });

  it('copies every table, verifies every journal, and the copy answers as the source did', {
    timeout: 180_000,
  }, async () => {
    const database = await freshDatabase();
    const result = await copy(database.url);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    const report = JSON.parse(result.stdout) as {
      to: string;
      tables: Array<{ name: string; rows: number }>;
      tasks: number;
      journalsVerified: number;
      checkpointsChecked: boolean;
      broken: unknown[];
    };
    expect(report).toMatchObject({ tasks: 3, journalsVerified: 3, checkpointsChecked: true, broken: [] });
    expect(report.to).toContain(':***@');
    // Every count the report gives is what each engine holds.
    const names = report.tables.map((table) => table.name);
    const sqlite = new DatabaseSync(source, { readOnly: true });
    const sourceCounts = Object.fromEntries(
      names.map((name) => [
        name,
        Number((sqlite.prepare(`SELECT COUNT(*) AS c FROM ${name}`).get() as { c: number }).c),
      ]),
    );
    sqlite.close();
    expect(await pgCounts(database.url, names)).toEqual(sourceCounts);
    expect(Object.fromEntries(report.tables.map((table) => [table.name, table.rows]))).toEqual(sourceCounts);
    for (const busy of [
      'tasks',
      'events',
      'spend_entries',
      'task_outcomes',
      'actions',
      'journal_checkpoints',
    ]) {
      expect(sourceCounts[busy], busy).toBeGreaterThan(0);
    }
    // The same questions, the same answers, byte for byte: the rows are the same rows.
    const questions = [
      ['tasks'],
      ['cost'],
      ['outcomes'],
      ['audit', 'verify'],
      ['audit', 'search', '--path', 'NOTES.md'],
      ...taskIds.flatMap((taskId) => [
        ['trace', taskId],
        ['audit', taskId],
      ]),
    ];
    for (const question of questions) {
      const onSqlite = await warden([...question, '--json']);
      const onPostgres = await warden([...question, '--json', '--db', database.url]);
      expect(onSqlite.code, `${question.join(' ')}: ${onSqlite.stderr}`).toBe(0);
      expect(onPostgres.code, `${question.join(' ')} --db: ${onPostgres.stderr}`).toBe(0);
      expect(JSON.parse(onPostgres.stdout), question.join(' ')).toEqual(JSON.parse(onSqlite.stdout));
    }
  });

  it('fails on a tampered journal, naming the task, and leaves the target empty', {
    timeout: 60_000,
  }, async () => {
    const tampered = path.join(work.dir, 'tampered.db');
    const original = new DatabaseSync(source);
    original.exec(`VACUUM INTO '${tampered}'`);
    original.close();
    const edit = new DatabaseSync(tampered);
    const [victim] = taskIds as [string];
    edit
      .prepare(`UPDATE events SET body = json_set(body, '$.tampered', 1) WHERE task_id = ? AND seq = 3`)
      .run(victim);
    expect(edit.prepare('SELECT changes() AS n').get()).toEqual({ n: 1 });
    edit.close();
    const database = await freshDatabase();
    const result = await copy(database.url, `sqlite:${tampered}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`task ${victim}: event 3`);
    expect(result.stderr).toMatch(/target is empty/);
    expect(result.stderr).not.toContain(PASSWORD);
    const counts = await pgCounts(database.url, ['tasks', 'events', 'spend_entries', 'actions']);
    expect(counts).toEqual({ tasks: 0, events: 0, spend_entries: 0, actions: 0 });
  });

  it('refuses a target that already holds tasks, and writes nothing', { timeout: 60_000 }, async () => {
    const database = await freshDatabase();
    // Without --json: a line per table, then what was verified.
    const first = await warden([
      'db',
      'copy',
      '--from',
      `sqlite:${source}`,
      '--to',
      withPassword(database.url),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^tasks +3$/m);
    expect(first.stdout).toMatch(
      /3 task\(s\), 3 journal\(s\) verified on the target with their signed checkpoints/,
    );
    expect(first.stdout).toContain(':***@');
    expect(first.stdout + first.stderr).not.toContain(PASSWORD);
    const before = await pgCounts(database.url, ['tasks', 'events', 'spend_entries']);
    const again = await copy(database.url);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds 3 task\(s\); nothing was copied/);
    expect(again.stderr).not.toContain(PASSWORD);
    expect(await pgCounts(database.url, ['tasks', 'events', 'spend_entries'])).toEqual(before);
  });

  it('refuses a source a newer Warden wrote, and copies nothing', { timeout: 60_000 }, async () => {
    const newer = path.join(work.dir, 'newer.db');
    const original = new DatabaseSync(source);
    original.exec(`VACUUM INTO '${newer}'`);
    original.close();
    const edit = new DatabaseSync(newer);
    edit.exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2099-01-01T00:00:00Z')`);
    edit.close();
    const database = await freshDatabase();
    const result = await copy(database.url, `sqlite:${newer}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/newer Warden \(schema 999.*nothing was copied/);
    // Refused before the target was even opened: not a table was made there.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('tasks') AS tasks");
    await client.end();
    expect(rows).toEqual([{ tasks: null }]);
  });

  it('says so when the source file does not exist, and creates none', { timeout: 60_000 }, async () => {
    const database = await freshDatabase();
    const missing = path.join(work.dir, 'nowhere', 'warden.db');
    const result = await copy(database.url, `sqlite:${missing}`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`there is no SQLite store at ${missing}`);
    expect(result.stderr).not.toContain(PASSWORD);
    expect(() => new DatabaseSync(missing, { readOnly: true })).toThrow();
  });
});
