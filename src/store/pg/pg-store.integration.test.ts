import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../testing/postgres-test-database.ts';
import { PG_MIGRATIONS } from './migrations.ts';
import { openPgStore } from './pg-store.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`PostgreSQL store migrations: skipped: ${server.skipReason}`);

describe('opening a PostgreSQL store that cannot be opened', () => {
  it('refuses a URL that is not a PostgreSQL one, without the password in the message', async () => {
    const opening = openPgStore('mysql://ada:hunter2@db.example/warden');
    await expect(opening).rejects.toMatchObject({ code: 'usage', hint: /postgres:\/\// });
    await expect(opening).rejects.not.toThrow(/hunter2/);
  });

  it('says the server cannot be reached, and where it looked', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'warden-no-pg-'));
    try {
      const opening = openPgStore(`postgresql://ada:hunter2@/warden?host=${empty}`);
      await expect(opening).rejects.toMatchObject({
        code: 'store-failed',
        isRetryable: true,
        hint: /server running/,
      });
      await expect(opening).rejects.toThrow(/cannot reach PostgreSQL at postgresql:\/\/ada:\*\*\*@/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!server.url)('PostgreSQL store migrations', () => {
  let database: TestDatabase;
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('applies each migration once, even when several processes open the database at once', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPgStore(database.url)));
    await Promise.all(stores.map((store) => store.close()));
    const versions = await query('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((row) => row.version)).toEqual(PG_MIGRATIONS.map((_, index) => index + 1));
  });

  it('refuses a database migrated by a newer Warden', async () => {
    await query(
      `INSERT INTO schema_migrations (version, applied_at) VALUES (${PG_MIGRATIONS.length + 1}, 'later')`,
    );
    await expect(openPgStore(database.url)).rejects.toMatchObject({
      code: 'store-failed',
      message: new RegExp(
        `newer Warden \\(schema ${PG_MIGRATIONS.length + 1}, this one knows ${PG_MIGRATIONS.length}\\)`,
      ),
      hint: /upgrade Warden/,
    });
  });

  it('names a database that does not exist and how to create it', async () => {
    await expect(
      openPgStore(database.url.replace(/\/warden_t_\w+/, '/warden_missing')),
    ).rejects.toMatchObject({
      code: 'store-failed',
      message: /warden_missing.*does not exist/,
      hint: /createdb/,
    });
  });
});
