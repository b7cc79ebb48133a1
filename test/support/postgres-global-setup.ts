import { ENV } from '../../src/spec/env.ts';
import { findPostgresBin, startPostgresCluster } from '../../src/testing/postgres-cluster.ts';

/**
 * Vitest global setup: gives the Postgres suites a server. When `WARDEN_TEST_DATABASE_URL` is set it is
 * used as it is; otherwise, when Debian's PostgreSQL server is installed, a throwaway cluster is started
 * on a Unix socket in a temp directory and its URL exported to the test workers (they are forked after
 * this runs and inherit the environment), then stopped and removed at teardown. Without either, the
 * Postgres suites skip (and fail under `CI=true`).
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[ENV.testDatabaseUrl]) return undefined;
  const bin = findPostgresBin();
  if (bin === undefined) return undefined;
  const cluster = await startPostgresCluster(bin);
  process.env[ENV.testDatabaseUrl] = cluster.url;
  return async () => {
    delete process.env[ENV.testDatabaseUrl];
    await cluster.stop();
  };
}
