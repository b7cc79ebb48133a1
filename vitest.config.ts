import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'policies/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most suites wait on child processes (the CLI, bubblewrap, git), not on the CPU: two files at a time
    // keep a 2-core machine busy.
    maxWorkers: 2,
    // A throwaway PostgreSQL cluster for the Postgres suites when WARDEN_TEST_DATABASE_URL is not set and
    // Debian's server is installed (test/support/postgres-global-setup.ts); about a second to start.
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
});
