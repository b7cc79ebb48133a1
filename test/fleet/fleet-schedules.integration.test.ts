import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServerApp, registerFleetSchedules, TaskQueue } from '../../src/server/index.ts';
import { PgPullOutcomeStore } from '../../src/store/index.ts';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { createWarden, type FleetWorker, startFleetWorker, type Warden } from '../../src/warden/index.ts';
import { makeRepo, scratch } from '../support/cli.ts';
import { exampleOf, SECRET, signature } from '../support/serve.ts';

const server = postgresForTests();
if (server.skipReason) console.warn(`fleet schedules and outcome events: skipped: ${server.skipReason}`);

const HELLO = 'Codertocat/Hello-World';
const FLEET_JOBS = "name = 'warden-fleet'";

describe.skipIf(!server.url)('a fleet: schedules and forge outcomes are queue jobs', () => {
  const work = scratch('fleet-schedules');
  let database: TestDatabase;
  let inspect: pg.Pool;
  const wardens: Warden[] = [];
  let worker: FleetWorker | undefined;
  let repo: string;
  let script: string;
  const warnings: string[] = [];
  /** Tasks of the by-hand schedule, by tick (set by the second test, used by the third). */
  const byHand = new Map<string, string>();

  const schedule = (name: string, cron: string) => ({ name, cron, repo, task: 'add notes' });
  /** A Warden on the fleet's database with these schedules (a server; with `leaseMs`, a worker). */
  const open = async (name: string, schedules: unknown[], leaseMs?: number) => {
    const config = path.join(work.dir, `${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        model: `scripted:${script}`,
        agent: { check: 'test -f NOTES.md' },
        triggers: { github: { repositories: { [HELLO]: repo } }, schedules },
      }),
    );
    const warden = await createWarden({
      dataDir: path.join(work.dir, 'home'),
      configPath: config,
      env: { ...process.env, WARDEN_GITHUB_WEBHOOK_SECRET: SECRET },
      database: database.url,
      leaseMs,
      warn: (text) => warnings.push(text),
    });
    wardens.push(warden);
    return warden;
  };
  const rows = async <T>(sql: string, values: unknown[] = []) =>
    (await inspect.query(sql, values)).rows as T[];
  const deliveryOf = async (id: string) =>
    (
      await rows<{ outcome: string; task_id: string | null; replays: number }>(
        'SELECT outcome, task_id, replays FROM webhook_deliveries WHERE delivery_id = $1',
        [id],
      )
    )[0];
  const statusOf = async (taskId: string) =>
    (await rows<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [taskId]))[0]?.status;
  /** No fleet job waits, runs or waits for a retry. */
  const settled = async () =>
    expect(
      await rows(
        `SELECT id FROM warden_queue.job WHERE ${FLEET_JOBS} AND state IN ('created', 'active', 'retry')`,
      ),
    ).toEqual([]);

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    inspect = new pg.Pool({ connectionString: database.url, max: 2 });
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    // Slow enough (two replies of 1.5 s) that a tick sent while a task runs finds it running.
    script = path.join(work.dir, 'script.json');
    writeFileSync(
      script,
      JSON.stringify({
        latencyMs: 1500,
        turns: [
          { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }] },
          { text: 'Added the notes.' },
        ],
      }),
    );
  });
  afterAll(async () => {
    await worker?.stop(2_000);
    for (const warden of wardens) await warden.close().catch(() => {});
    await inspect?.end();
    await database?.drop();
    work.cleanup();
  });

  it('two servers register one schedule; the scheduler fires its tick once and a worker runs it', {
    timeout: 90_000,
  }, async () => {
    const first = await open('first', [schedule('each-minute', '* * * * *'), schedule('stale', '0 0 1 1 *')]);
    await registerFleetSchedules(first, (text) => warnings.push(text));
    const second = await open('second', [
      schedule('each-minute', '* * * * *'),
      schedule('by-hand', '0 0 1 1 *'),
    ]);
    await registerFleetSchedules(second, (text) => warnings.push(text));
    // The second server's config is the fleet's now: `stale` is gone, each name is registered once.
    const registered = (await (await second.fleetQueue()).schedules()).map(({ key }) => key).sort();
    expect(registered).toEqual(['by-hand', 'each-minute']);
    expect(warnings.join('')).toContain('removed from the fleet: stale');

    // The worker runs pg-boss's scheduler: a minute pattern is due at once (its minute began < 60 s ago).
    worker = await startFleetWorker({
      warden: await open('worker', [], 5_000),
      concurrency: 2,
      leaseMs: 5_000,
      warn: (text) => warnings.push(text),
      onLeaseLost: (taskId) => warnings.push(`lease lost: ${taskId}`),
    });
    const started = await vi.waitFor(
      async () => {
        const found = await rows<{ task_id: string }>(
          "SELECT task_id FROM webhook_deliveries WHERE source = 'schedule' AND event = 'each-minute' AND outcome = 'started'",
        );
        expect(found.length).toBeGreaterThan(0);
        expect(await statusOf(found[0]!.task_id)).toBe('succeeded');
        return found;
      },
      { timeout: 60_000, interval: 200 },
    );
    // One job per minute however many servers registered it; one task per tick.
    const perMinute = await rows<{ minute: string; jobs: string }>(
      `SELECT date_trunc('minute', created_on)::text AS minute, count(*) AS jobs FROM warden_queue.job
       WHERE ${FLEET_JOBS} AND data->>'kind' = 'schedule-tick' AND data->'payload'->'schedule'->>'name' = 'each-minute'
       GROUP BY 1`,
    );
    expect(perMinute.every(({ jobs }) => Number(jobs) === 1)).toBe(true);
    expect(new Set(started.map(({ task_id }) => task_id)).size).toBe(started.length);
    expect(started.length).toBeLessThanOrEqual(perMinute.length);

    // A third server without it takes the schedule out of the fleet, so it fires no more below.
    await registerFleetSchedules(await open('third', [schedule('by-hand', '0 0 1 1 *')]), (text) =>
      warnings.push(text),
    );
    expect((await (await second.fleetQueue()).schedules()).map(({ key }) => key)).toEqual(['by-hand']);
  });

  it('each tick, forwarded by both servers, starts one task; a tick while the last task runs is skipped', {
    timeout: 120_000,
  }, async () => {
    const [first, second] = wardens;
    const queues = [await first!.fleetQueue(), await second!.fleetQueue()];
    const registered = (await queues[1]!.schedules()).find(({ key }) => key === 'by-hand');
    expect(registered).toBeDefined();
    // pg-boss's resolution is a minute, so the ticks are driven by hand: the schedule's own job, with
    // the tick it stands for, sent as the scheduler sends it (singleton per schedule), by both servers.
    const fire = async (tick: string) => {
      for (const queue of queues) {
        await queue.enqueue(
          { ...registered!.job, payload: { ...registered!.job.payload, tick } },
          { singletonKey: 'schedule:by-hand' },
        );
      }
    };
    const startedBy = (tick: string) =>
      vi.waitFor(
        async () => {
          const delivery = await deliveryOf(`schedule:by-hand@${tick}`);
          expect(delivery?.outcome).toBe('started');
          return delivery!.task_id!;
        },
        { timeout: 30_000, interval: 100 },
      );
    const succeeded = (taskId: string) =>
      vi.waitFor(async () => expect(await statusOf(taskId)).toBe('succeeded'), {
        timeout: 60_000,
        interval: 200,
      });

    const ticks = ['2030-01-01T00:00:00.000Z', '2030-01-01T00:01:00.000Z', '2030-01-01T00:02:00.000Z'];
    for (const tick of ticks) {
      await fire(tick);
      const taskId = await startedBy(tick);
      await succeeded(taskId);
      // The same tick again, after its task ended: nothing new. (Until its job is done, the scheduler
      // would create no job for the next tick either.)
      await fire(tick);
      await vi.waitFor(settled, { timeout: 30_000, interval: 100 });
      byHand.set(tick, taskId);
    }

    // The next tick comes while the task of the one before still runs: skipped, and recorded so.
    const running = '2030-01-01T00:03:00.000Z';
    await fire(running);
    const runningTask = await startedBy(running);
    await vi.waitFor(async () => expect(await statusOf(runningTask)).toBe('running'), {
      timeout: 30_000,
      interval: 50,
    });
    const skipped = '2030-01-01T00:04:00.000Z';
    await fire(skipped);
    const skip = await vi.waitFor(
      async () => {
        const delivery = await deliveryOf(`schedule:by-hand@${skipped}`);
        expect(delivery).toBeDefined();
        return delivery!;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(skip).toMatchObject({
      outcome: `ignored: task ${runningTask} of the last tick still waits or runs`,
      task_id: null,
    });
    expect(await statusOf(runningTask)).toBe('running');
    await succeeded(runningTask);
    byHand.set(running, runningTask);
    await vi.waitFor(settled, { timeout: 30_000, interval: 100 });

    // Exactly one task per started tick, each started once (one task-start in its journal).
    const tasks = await rows<{ id: string }>(
      "SELECT id FROM tasks WHERE id IN (SELECT task_id FROM webhook_deliveries WHERE event = 'by-hand')",
    );
    expect(tasks.map(({ id }) => id).sort()).toEqual([...byHand.values()].sort());
    for (const taskId of byHand.values()) {
      const starts = await rows("SELECT seq FROM events WHERE task_id = $1 AND type = 'task-start'", [
        taskId,
      ]);
      expect(starts).toHaveLength(1);
    }
    const runTasks = await rows<{ task: string; jobs: string }>(
      `SELECT data->'payload'->>'taskId' AS task, count(*) AS jobs FROM warden_queue.job
       WHERE ${FLEET_JOBS} AND data->>'kind' = 'run-task' AND state = 'completed' GROUP BY 1`,
    );
    for (const taskId of byHand.values()) {
      expect(runTasks.find(({ task }) => task === taskId)?.jobs).toBe('1');
    }
  });

  it('an outcome delivery is queued (202), recorded by a worker, and once though delivered twice', {
    timeout: 60_000,
  }, async () => {
    const [first, second] = wardens;
    const taskId = byHand.get('2030-01-01T00:00:00.000Z')!;
    await new PgPullOutcomeStore(inspect).opened({
      taskId,
      repository: HELLO,
      number: 7,
      url: `https://github.com/${HELLO}/pull/7`,
      at: new Date().toISOString(),
    });
    const merged = exampleOf('pull_request', 'closed') as { pull_request: Record<string, unknown> };
    Object.assign(merged.pull_request, { merged: true, merge_commit_sha: 'e'.repeat(40) });
    (merged.pull_request.head as { ref: string }).ref = `warden/${taskId}`;
    const body = JSON.stringify(merged);
    const deliver = (warden: Warden) =>
      createServerApp(
        warden,
        new TaskQueue({ run: async () => '', resume: async () => '' }, 1),
        undefined,
      ).request('/webhooks/github', {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': 'd-merged',
          'x-hub-signature-256': signature(body),
        },
      });
    // Both servers get it at once (GitHub redelivering while the first is still queued): one job.
    const answers = await Promise.all([deliver(first!), deliver(second!)]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ outcome: string }>;
    expect(bodies.map(({ outcome }) => outcome)).toContain('queued');
    expect(answers.find((answer) => answer.status === 202)).toBeDefined();
    await vi.waitFor(
      async () => expect((await deliveryOf('d-merged'))?.outcome).toBe('recorded: accepted-first-pass'),
      { timeout: 30_000, interval: 100 },
    );
    await vi.waitFor(settled, { timeout: 30_000, interval: 100 });
    // Delivered again once recorded: a replay, counted, nothing queued or journaled twice.
    const again = await deliver(second!);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ outcome: 'replayed' });
    expect((await deliveryOf('d-merged'))?.replays).toBeGreaterThanOrEqual(1);
    const outcomes = await rows("SELECT seq FROM events WHERE task_id = $1 AND type = 'forge-outcome'", [
      taskId,
    ]);
    expect(outcomes).toHaveLength(1);
    // A job the second server queued after the first was done finds the delivery recorded: no change.
    const jobs = await rows<{ state: string }>(
      `SELECT state FROM warden_queue.job WHERE ${FLEET_JOBS} AND data->>'kind' = 'forge-outcome'`,
    );
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every(({ state }) => state === 'completed')).toBe(true);
    const verified = await first!.verifyJournals(taskId);
    expect(verified[0]?.verification.ok).toBe(true);
  });
});
