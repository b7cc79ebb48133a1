import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../testing/postgres-test-database.ts';
import { createJobQueue } from './create-job-queue.ts';
import type { FleetDelivery, JobQueue } from './job-queue.ts';
import type { JobQueueSettingsInput } from './job-queue-settings.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`fleet worker crash: skipped: ${server.skipReason}`);

const WORKER = fileURLToPath(new URL('./killed-worker.fixture.ts', import.meta.url));

/** The smallest heartbeat pg-boss allows, a supervisor pass every second, retries after 1–2 s. */
const SETTINGS: JobQueueSettingsInput = {
  heartbeatSeconds: 10,
  superviseIntervalSeconds: 1,
  retryDelaySeconds: 1,
  pollingIntervalSeconds: 0.5,
};
/** heartbeat + 2 supervisor intervals + 2 × retry delay + polling interval (docs/decisions/0010). */
const BOUND_MS = (10 + 2 * 1 + 2 * 1 + 0.5) * 1000;
/** How long the test waits for the redelivery: the bound, doubled for a loaded machine. */
const WAIT_MS = 2 * BOUND_MS;

/** Resolves with the first IPC message of `child` that `accept` returns a value for; rejects on exit or timeout. */
function messageFrom<T>(child: ChildProcess, accept: (message: unknown) => T | undefined, timeoutMs: number) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no message from the worker within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    child.on('message', (message) => {
      const value = accept(message);
      if (value === undefined) return;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.skipIf(!server.url)('a worker killed with SIGKILL in the middle of a job', () => {
  let database: TestDatabase;
  let queue: JobQueue | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await queue?.stop(1_000);
    await database?.drop();
  });

  it(
    'has its job delivered again to another worker, as the next attempt',
    async () => {
      queue = await createJobQueue(database.url, SETTINGS);
      child = spawn(process.execPath, [WORKER, database.url, JSON.stringify(SETTINGS)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await messageFrom(child, (message) => (message === 'ready' ? true : undefined), 15_000);
      const id = await queue.enqueue({ kind: 'run-task', payload: { taskId: 't-crash' } });
      const taken = await messageFrom(
        child,
        (message) => (typeof message === 'object' ? (message as { id: string; attempt: number }) : undefined),
        10_000,
      );
      expect(taken).toEqual({ id, attempt: 1 });

      // The survivor works from now on; the job is still active (the child's), so it cannot take it yet.
      let redelivered: (job: FleetDelivery) => void = () => {};
      const again = new Promise<FleetDelivery>((resolve) => {
        redelivered = resolve;
      });
      await queue.work(
        async (job) => {
          redelivered(job);
        },
        { concurrency: 1 },
      );
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const job = await Promise.race([
        again,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`not delivered again within ${WAIT_MS} ms`)), WAIT_MS),
        ),
      ]);
      expect(job).toMatchObject({ id, attempt: 2, payload: { taskId: 't-crash' } });
      // It comes about 12.5 s after the kill here; the test waits generously, as a loaded CI machine
      // schedules late (timings belong to `npm run bench`, not to assertions).
    },
    WAIT_MS + 20_000,
  );
});
