import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ENV } from '../src/spec/env.ts';
import { createTestDatabase, findPostgresBin, startPostgresCluster } from '../src/testing/index.ts';
import { type DispatchRig, type DispatchStart, openEmbeddedDispatch } from './fleet-dispatch-embedded.ts';
import { DISPATCH_QUEUE, type DispatchPayload } from './fleet-dispatch-worker.ts';
import { summarize } from './stats.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./fleet-dispatch-worker.ts', import.meta.url));
const WORKERS = 4;
const WAIT_MS = 180_000;
const BURST_SENDERS = 8;

type QueueKind = 'pg-boss' | 'graphile-worker';

/** One rig's figures: burst throughput and the enqueue-to-start latency of paced jobs, in ms. */
export interface DispatchFigures {
  jobsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Enqueue-to-start latency during the burst (mostly time spent waiting behind the backlog). */
  burstP50Ms: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * (s) Dispatch of no-op jobs by 4 workers on this machine, per Postgres job queue, against the embedded
 * store doing the same work (4 in-process workers claiming from one SQLite file, as Warden runs on one
 * machine). For each queue: a database of its own and 4 worker processes (`bench/fleet-dispatch-worker.ts`,
 * one job at a time each, fetching the next as soon as one is done); this process enqueues. Throughput:
 * `jobs` jobs sent by 8 concurrent senders (so the workers, not one sender's round trips, set the pace),
 * jobs per second from the first enqueue to the last start. Latency: `pacedJobs` jobs offered at
 * `pacedPerSecond` (below every rig's capacity), enqueue-to-start p50 and p99; each job carries its
 * enqueue time and the worker notes its start (one clock, one machine). 50 jobs of warm-up first.
 * PostgreSQL: `WARDEN_TEST_DATABASE_URL` or `WARDEN_DATABASE_URL` when set, else a throwaway cluster
 * (fsync off; the embedded store's WAL with `synchronous = NORMAL` does not sync each commit either).
 */
export async function benchFleetDispatch({ jobs = 2_000, pacedJobs = 200, pacedPerSecond = 50 } = {}) {
  const configured = process.env[ENV.testDatabaseUrl] ?? process.env.WARDEN_DATABASE_URL;
  const bin = configured ? undefined : findPostgresBin();
  if (!configured && !bin) {
    throw new Error(`no PostgreSQL: set ${ENV.testDatabaseUrl} or install Debian's postgresql package`);
  }
  const cluster = bin ? await startPostgresCluster(bin) : undefined;
  const serverUrl = configured ?? cluster!.url;
  const scratch = mkdtempSync(path.join(tmpdir(), 'warden-bench-fleet-'));
  const measure = (open: (onStart: (start: DispatchStart) => void) => Promise<DispatchRig>) =>
    measureRig(open, { jobs, pacedJobs, pacedPerSecond });
  try {
    const embedded = await measure(async (onStart) =>
      openEmbeddedDispatch(path.join(scratch, 'embedded.db'), WORKERS, onStart),
    );
    const queues = {} as Record<QueueKind, DispatchFigures>;
    for (const kind of ['pg-boss', 'graphile-worker'] as const) {
      const database = await createTestDatabase(serverUrl);
      try {
        queues[kind] = await measure((onStart) => openQueueDispatch(kind, database.url, onStart));
      } finally {
        await database.drop();
      }
    }
    const ratios = (figures: DispatchFigures) => ({
      throughput: figures.jobsPerSecond / embedded.jobsPerSecond,
      p50: figures.p50Ms / embedded.p50Ms,
      p99: figures.p99Ms / embedded.p99Ms,
    });
    return {
      jobs,
      pacedJobs,
      pacedPerSecond,
      workers: WORKERS,
      server: configured ? 'configured server' : 'throwaway cluster, fsync off',
      embedded,
      pgBoss: { ...queues['pg-boss'], ratio: ratios(queues['pg-boss']) },
      graphileWorker: { ...queues['graphile-worker'], ratio: ratios(queues['graphile-worker']) },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await cluster?.stop();
  }
}

async function measureRig(
  open: (onStart: (start: DispatchStart) => void) => Promise<DispatchRig>,
  settings: { jobs: number; pacedJobs: number; pacedPerSecond: number },
): Promise<DispatchFigures> {
  let phase: { expected: number; starts: DispatchStart[]; done: () => void } | undefined;
  const rig = await open((start) => {
    if (!phase) return;
    phase.starts.push(start);
    if (phase.starts.length === phase.expected) phase.done();
  });
  let next = 0;
  const run = async (count: number, intervalMs: number) => {
    const finished = new Promise<void>((resolve) => {
      phase = { expected: count, starts: [], done: resolve };
    });
    const first = now();
    let sent = 0;
    // Paced: one sender on a schedule. Burst: BURST_SENDERS senders at once, as many webhook handlers
    // would, so that the workers, not one sender's round trips, set the pace.
    const sender = async () => {
      while (sent < count) {
        const slot = sent++;
        if (intervalMs > 0) {
          const wait = first + slot * intervalMs - now();
          if (wait > 0) await delay(wait);
        }
        await rig.enqueue({ index: next++, enqueuedAt: now() });
      }
    };
    await Promise.all(Array.from({ length: intervalMs > 0 ? 1 : BURST_SENDERS }, sender));
    const waiting = new AbortController();
    const timeout = delay(WAIT_MS, undefined, { signal: waiting.signal }).then(() => {
      throw new Error(`only ${phase?.starts.length} of ${count} jobs started within ${WAIT_MS} ms`);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      waiting.abort();
      timeout.catch(() => {});
    }
    const starts = phase!.starts;
    phase = undefined;
    const last = Math.max(...starts.map((start) => start.startedAt));
    return {
      seconds: (last - first) / 1000,
      latencies: starts.map((start) => start.startedAt - start.enqueuedAt),
    };
  };
  try {
    await run(50, 0);
    const burst = await run(settings.jobs, 0);
    const paced = await run(settings.pacedJobs, 1000 / settings.pacedPerSecond);
    const latency = summarize(paced.latencies);
    return {
      jobsPerSecond: settings.jobs / burst.seconds,
      p50Ms: latency.median,
      p99Ms: latency.p99,
      burstP50Ms: summarize(burst.latencies).median,
    };
  } finally {
    await rig.close();
  }
}

/** A Postgres queue with `WORKERS` worker processes taking its jobs; this process enqueues. */
async function openQueueDispatch(
  kind: QueueKind,
  url: string,
  onStart: (start: DispatchStart) => void,
): Promise<DispatchRig> {
  const producer = await openProducer(kind, url);
  const children: ChildProcess[] = [];
  try {
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const child = spawn(process.execPath, [WORKER_SCRIPT, kind, url], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        await new Promise<void>((resolve, reject) => {
          child.once('exit', (code) =>
            reject(new Error(`a ${kind} worker exited with ${code} before it was ready`)),
          );
          child.on('message', (message) => {
            if (message === 'ready') resolve();
            else onStart(message as DispatchStart);
          });
        });
        child.removeAllListeners('exit');
      }),
    );
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    await producer.close();
    throw error;
  }
  return {
    enqueue: producer.enqueue,
    close: async () => {
      await Promise.all(
        children.map(async (child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.send('stop');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      await producer.close();
    },
  };
}

async function openProducer(kind: QueueKind, url: string): Promise<DispatchRig> {
  if (kind === 'pg-boss') {
    const { PgBoss } = await import('pg-boss');
    const boss = new PgBoss({
      connectionString: url,
      max: 2,
      supervise: false,
      schedule: false,
      openTelemetry: { enabled: false },
    });
    boss.on('error', (error) => process.stderr.write(`pg-boss producer: ${error.message}\n`));
    await boss.start();
    await boss.createQueue(DISPATCH_QUEUE, { notify: true });
    return {
      enqueue: async (payload: DispatchPayload) => {
        await boss.send(DISPATCH_QUEUE, payload);
      },
      close: () => boss.stop({ graceful: false, timeout: 5_000 }),
    };
  }
  const { makeWorkerUtils, Logger } = await import('graphile-worker');
  const utils = await makeWorkerUtils({ connectionString: url, logger: new Logger(() => () => {}) });
  await utils.migrate();
  return {
    enqueue: async (payload: DispatchPayload) => {
      await utils.addJob(DISPATCH_QUEUE, payload);
    },
    close: async () => {
      await utils.release();
    },
  };
}

/** The (s) line of `npm run bench`. */
export function describeFleetDispatch(fleet: Awaited<ReturnType<typeof benchFleetDispatch>>): string {
  const format = (value: number, digits = 1) => value.toFixed(digits);
  const queue = (name: string, figures: typeof fleet.pgBoss) =>
    `${name} ${format(figures.jobsPerSecond, 0)} jobs/s, p50 ${format(figures.p50Ms)} ms, p99 ${format(figures.p99Ms)} ms: ratios ${format(figures.ratio.throughput, 3)} / ${format(figures.ratio.p50)} / ${format(figures.ratio.p99)}`;
  return `(s) fleet dispatch of ${fleet.jobs.toLocaleString('en-US')} no-op jobs by ${fleet.workers} worker processes (PostgreSQL: ${fleet.server}; latency: enqueue to start at ${fleet.pacedPerSecond} jobs/s offered) vs the embedded store (SQLite, ${fleet.workers} in-process workers) ${format(fleet.embedded.jobsPerSecond, 0)} jobs/s, p50 ${format(fleet.embedded.p50Ms, 2)} ms, p99 ${format(fleet.embedded.p99Ms, 2)} ms; ${queue('pg-boss', fleet.pgBoss)}; ${queue('graphile-worker', fleet.graphileWorker)} (throughput / p50 / p99)`;
}

if (import.meta.main) {
  const result = await benchFleetDispatch();
  console.error(JSON.stringify(result, null, 2));
  console.log(describeFleetDispatch(result));
}
