import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemError, UserError } from '../spec/errors.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../testing/postgres-test-database.ts';
import { createJobQueue } from './create-job-queue.ts';
import type { FleetDelivery, JobQueue, JobQueueEvent } from './job-queue.ts';
import type { JobQueueSettingsInput } from './job-queue-settings.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`fleet job queue: skipped: ${server.skipReason}`);

/** Short timings so retries and put-backs happen within a test's seconds. */
const FAST: JobQueueSettingsInput = {
  heartbeatSeconds: 10,
  superviseIntervalSeconds: 1,
  retryDelaySeconds: 1,
  retryDelayMaxSeconds: 8,
  pollingIntervalSeconds: 0.5,
  deferSeconds: 1,
};

/** Resolves once `check` holds, polling every 25 ms; rejects after `timeoutMs` saying what it waited for. */
async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A gate handlers wait on until the test opens it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.skipIf(!server.url)('the fleet job queue on PostgreSQL (pg-boss)', () => {
  let database: TestDatabase;
  let inspect: pg.Pool;
  const queues: JobQueue[] = [];

  const open = async (settings: JobQueueSettingsInput = {}, onEvent?: (event: JobQueueEvent) => void) => {
    const queue = await createJobQueue(database.url, { ...FAST, ...settings }, onEvent ? { onEvent } : {});
    queues.push(queue);
    return queue;
  };
  const stateOf = async (id: string) => {
    const result = await inspect.query<{
      state: string;
      retry_count: number;
      output: Record<string, unknown>;
    }>('SELECT state, retry_count, output FROM warden_queue.job WHERE id = $1', [id]);
    return result.rows[0];
  };

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    inspect = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop(1_000)));
    await inspect.query('DELETE FROM warden_queue.job');
  });
  afterAll(async () => {
    await inspect?.end();
    await database?.drop();
  });

  it('delivers a job once, with its kind, payload and limits, and completes it when the handler returns', async () => {
    const queue = await open();
    const delivered: FleetDelivery[] = [];
    await queue.work(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 2 },
    );
    const id = await queue.enqueue({
      kind: 'run-task',
      payload: { taskId: 't-1' },
      limits: { agent: 'fix-ci', repository: 'o/r' },
    });
    expect(id).toBeDefined();
    await eventually('the job to complete', async () => (await stateOf(id!))?.state === 'completed');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      id,
      attempt: 1,
      kind: 'run-task',
      payload: { taskId: 't-1' },
      limits: { agent: 'fix-ci', repository: 'o/r' },
    });
  });

  it('creates no second job for a singleton key while the first is queued or running, and one after', async () => {
    const queue = await open();
    const first = await queue.enqueue(
      { kind: 'resume-task', payload: { taskId: 't-2' } },
      { singletonKey: 'task:t-2' },
    );
    expect(first).toBeDefined();
    expect(
      await queue.enqueue({ kind: 'resume-task', payload: {} }, { singletonKey: 'task:t-2' }),
    ).toBeUndefined();

    const hold = gate();
    const started: string[] = [];
    await queue.work(
      async (job) => {
        started.push(job.id);
        await hold.opened;
      },
      { concurrency: 1 },
    );
    await eventually('the first job to start', () => started.length === 1);
    expect(
      await queue.enqueue({ kind: 'resume-task', payload: {} }, { singletonKey: 'task:t-2' }),
    ).toBeUndefined();
    hold.open();
    await eventually('the first job to complete', async () => (await stateOf(first!))?.state === 'completed');
    const again = await queue.enqueue({ kind: 'resume-task', payload: {} }, { singletonKey: 'task:t-2' });
    expect(again).toBeDefined();
    expect(again).not.toBe(first);
  });

  it('retries a retryable failure with growing delays up to the limit, then fails it for good', async () => {
    const queue = await open({ retryLimit: 2 });
    const deliveries: Array<{ attempt: number; at: number }> = [];
    await queue.work(
      async (job) => {
        deliveries.push({ attempt: job.attempt, at: Date.now() });
        throw new SystemError('sandbox-failed', 'the sandbox did not start', { isRetryable: true });
      },
      { concurrency: 1 },
    );
    const id = await queue.enqueue({ kind: 'run-task', payload: {} });
    const final = await eventually('the job to fail for good', async () => {
      const row = await stateOf(id!);
      return row?.state === 'failed' ? row : undefined;
    });
    expect(deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
    expect(final).toMatchObject({ retry_count: 2, output: { code: 'sandbox-failed' } });
    // Exponential backoff from retryDelaySeconds 1: the first retry waits 1–2 s, the second 2–4 s.
    const [first, second, third] = deliveries.map((delivery) => delivery.at);
    expect(second! - first!).toBeGreaterThanOrEqual(1_000);
    expect(third! - second!).toBeGreaterThanOrEqual(2_000);
  });

  it('fails a job for good, without a retry, when its handler throws an error that is not retryable', async () => {
    const events: JobQueueEvent[] = [];
    const queue = await open({}, (event) => events.push(event));
    const attempts: string[] = [];
    await queue.work(
      async (job) => {
        attempts.push(job.id);
        if (job.payload.plain) throw new TypeError('a bug in the handler');
        throw new UserError('task-not-found', 'no task t-404');
      },
      { concurrency: 2 },
    );
    const warden = await queue.enqueue({ kind: 'resume-task', payload: { taskId: 't-404' } });
    const plain = await queue.enqueue({ kind: 'trigger-event', payload: { plain: true } });
    for (const id of [warden!, plain!]) {
      await eventually(`job ${id} to fail`, async () => (await stateOf(id))?.state === 'failed');
      expect(await stateOf(id)).toMatchObject({ retry_count: 0 });
    }
    expect(attempts.sort()).toEqual([warden, plain].sort());
    expect(events.filter((event) => event.type === 'job-failed')).toEqual([
      expect.objectContaining({ willRetry: false, attempt: 1 }),
      expect.objectContaining({ willRetry: false, attempt: 1 }),
    ]);
  });

  it('runs at most the configured jobs of one repository at once across two workers, putting the rest back', async () => {
    const events: JobQueueEvent[] = [];
    const settings = { limits: { repository: 2 } };
    // Events from both workers: either may be the one that puts a job back.
    const record = (event: JobQueueEvent) => events.push(event);
    const workers = [await open(settings, record), await open(settings, record)];
    const hold = gate();
    const running = new Map<string, number>();
    let most = 0;
    const finished: FleetDelivery[] = [];
    const started = new Set<string>();
    const handler = async (job: FleetDelivery) => {
      const repository = job.limits!.repository!;
      running.set(repository, (running.get(repository) ?? 0) + 1);
      if (repository === 'o/r') most = Math.max(most, running.get(repository)!);
      started.add(job.id);
      await hold.opened;
      running.set(repository, running.get(repository)! - 1);
      finished.push(job);
    };
    for (const worker of workers) await worker.work(handler, { concurrency: 3 });
    const busy = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        workers[0]!.enqueue({ kind: 'run-task', payload: { index }, limits: { repository: 'o/r' } }),
      ),
    );
    const other = await workers[1]!.enqueue({
      kind: 'run-task',
      payload: {},
      limits: { repository: 'o/other' },
    });

    // Two of o/r run, the job of another repository runs beside them, and the other three were put back.
    await eventually(
      'two o/r jobs, the o/other job, and three put-backs',
      () => {
        const deferred = new Set(
          events.filter((event) => event.type === 'job-deferred').map((event) => event.id),
        );
        return running.get('o/r') === 2 && started.has(other!) && deferred.size >= 3;
      },
      20_000,
    );
    hold.open();
    await eventually('all six jobs to finish', () => finished.length === 6, 20_000);
    expect(most).toBe(2);
    expect(events.filter((event) => event.type === 'job-deferred')[0]).toMatchObject({ key: 'repository' });
    // A put-back costs no attempt.
    expect(finished.map((job) => job.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(busy.every((id) => id !== undefined)).toBe(true);
  }, 60_000);
});
