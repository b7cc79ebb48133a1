import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { runWarden, scratch } from '../support/cli.ts';

const server = postgresForTests();

describe.skipIf(server.url === undefined)('warden migrate', () => {
  const work = scratch('migrate');
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
  });
  afterAll(async () => {
    await database?.drop();
    work.cleanup();
  });

  const migrate = async (args: string[]) => {
    const result = await runWarden(['migrate', '--json', '--data-dir', path.join(work.dir, 'home'), ...args]);
    return { ...result, report: result.code === 0 ? JSON.parse(result.stdout) : undefined };
  };

  it('applies every migration once, on SQLite and on PostgreSQL, and says which ran', {
    timeout: 60_000,
  }, async () => {
    for (const args of [[], ['--db', database.url]]) {
      const first = await migrate(args);
      expect(first.code, first.stderr).toBe(0);
      const { applied, version } = first.report as { applied: number[]; version: number };
      expect(applied).toEqual(Array.from({ length: version }, (_, index) => index + 1));
      const again = await migrate(args);
      expect(again.report).toMatchObject({ applied: [], version });
    }
    const human = await runWarden(['migrate', '--db', database.url]);
    expect(human.stdout).toMatch(/schema \d+, up to date/);
    expect(human.stdout).not.toContain('password');
  });

  it('refuses a database a newer Warden migrated, and leaves it as it is', { timeout: 60_000 }, async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES (999, $1)', [
        new Date().toISOString(),
      ]);
      const refused = await migrate(['--db', database.url]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/newer Warden \(schema 999/);
      const { rows } = await client.query('SELECT MAX(version) AS version FROM schema_migrations');
      expect(Number(rows[0].version)).toBe(999);
    } finally {
      await client.end();
    }
  });

  it('names a --db it does not know without repeating it', async () => {
    const result = await runWarden(['migrate', '--db', 'mysql://root:hunter2@db/warden']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mysql: is not a database Warden knows');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('warden doctor refuses a --db rather than call another database healthy', async () => {
    const result = await runWarden([
      'doctor',
      '--db',
      database.url,
      '--data-dir',
      path.join(work.dir, 'home'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no checks for --db yet');
  });
});
