import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ENV } from '../spec/env.ts';
import { SystemError } from '../spec/errors.ts';

/** A database of its own for one test file, on the test server. */
export interface TestDatabase {
  /** The URL of the new database (the server's URL with the database name replaced). */
  url: string;
  /** Empties it: drops and recreates the `public` schema, so the next store opened migrates afresh. */
  reset: () => Promise<void>;
  /** Drops it (closing whatever still holds it open). */
  drop: () => Promise<void>;
}

/**
 * Where the Postgres suites run: the test server's URL (`WARDEN_TEST_DATABASE_URL`, set by you or by the
 * throwaway cluster of Vitest's global setup), or why they cannot. Under `CI=true` a missing server
 * throws instead: a suite may not skip in CI.
 */
export function postgresForTests():
  | { url: string; skipReason?: undefined }
  | { url?: undefined; skipReason: string } {
  const url = process.env[ENV.testDatabaseUrl];
  if (url) return { url };
  const skipReason =
    `no PostgreSQL: set ${ENV.testDatabaseUrl}=postgresql://… or install Debian's postgresql package ` +
    '(apt-get install postgresql) so the test run starts a throwaway cluster';
  if (process.env[ENV.ci] === 'true') throw new SystemError('store-failed', `CI=true and ${skipReason}`);
  return { skipReason };
}

/**
 * Creates a database with a random name on the server at `serverUrl` (whose user may create databases).
 * Throws `SystemError('store-failed')` with the server's message when it cannot.
 */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `warden_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    throw new SystemError('store-failed', `cannot create a test database: ${(error as Error).message}`, {
      cause: error,
      hint: `${ENV.testDatabaseUrl} must name a server whose user may CREATE DATABASE`,
    });
  } finally {
    await admin.end().catch(() => {});
  }
  const url = withDatabase(serverUrl, name);
  const onDatabase = async (target: string, sql: string) => {
    const client = new pg.Client({ connectionString: target });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    reset: () => onDatabase(url, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public'),
    drop: () => onDatabase(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** `url` pointing at the database `name`: the path replaced, user, host and query kept. */
function withDatabase(url: string, name: string): string {
  const match = /^([a-z]+:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/i.exec(url);
  if (!match) throw new SystemError('store-failed', `cannot read the test database URL ${url}`);
  return `${match[1]}/${name}${match[3] ?? ''}`;
}
