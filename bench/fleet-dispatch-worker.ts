// One worker process of the fleet dispatch benchmark (bench/fleet-dispatch.ts):
//   node bench/fleet-dispatch-worker.ts pg-boss|graphile-worker DATABASE_URL
// It takes no-op jobs from the queue one at a time and tells its parent over IPC when each started
// (`{ index, enqueuedAt, startedAt }`, wall-clock milliseconds with a fraction). It says `ready` once it
// is taking jobs and leaves when the parent sends `stop`.

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
const now = () => performance.timeOrigin + performance.now();

/** What a benchmark job carries. */
export interface DispatchPayload {
  index: number;
  enqueuedAt: number;
}

/** The queue name (pg-boss) and task identifier (graphile-worker) the benchmark uses. */
export const DISPATCH_QUEUE = 'bench_dispatch';

type Stop = () => Promise<void>;

async function startPgBoss(url: string, onJob: (payload: DispatchPayload) => void): Promise<Stop> {
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({
    connectionString: url,
    max: 4,
    migrate: false,
    supervise: false,
    schedule: false,
    useListenNotify: true,
    openTelemetry: { enabled: false },
  });
  boss.on('error', (error) => process.stderr.write(`pg-boss worker: ${error.message}\n`));
  await boss.start();
  // As Warden's adapter runs it: one work() per slot, and a slot that has just run a job fetches again
  // at once (notifyWorker) instead of waiting out the polling interval; idle slots wake on NOTIFY.
  let workerId: string | undefined;
  workerId = await boss.work<DispatchPayload>(
    DISPATCH_QUEUE,
    { localConcurrency: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
    async ([job]) => {
      if (job) onJob(job.data);
      if (workerId) boss.notifyWorker(workerId);
    },
  );
  return () => boss.stop({ graceful: true, timeout: 5_000 });
}

async function startGraphileWorker(url: string, onJob: (payload: DispatchPayload) => void): Promise<Stop> {
  const { run, Logger } = await import('graphile-worker');
  const runner = await run({
    connectionString: url,
    concurrency: 1,
    maxPoolSize: 4,
    noHandleSignals: true,
    pollInterval: 500,
    logger: new Logger(() => () => {}),
    taskList: {
      [DISPATCH_QUEUE]: async (payload) => {
        onJob(payload as DispatchPayload);
      },
    },
  });
  return () => runner.stop();
}

if (import.meta.main) {
  const [kind, url] = process.argv.slice(2);
  if (!url || (kind !== 'pg-boss' && kind !== 'graphile-worker') || !process.send) {
    process.stderr.write(
      'usage: node bench/fleet-dispatch-worker.ts pg-boss|graphile-worker URL (with an IPC channel)\n',
    );
    process.exit(2);
  }
  const send = process.send.bind(process);
  const onJob = (payload: DispatchPayload) => {
    send({ index: payload.index, enqueuedAt: payload.enqueuedAt, startedAt: now() });
  };
  const stop = kind === 'pg-boss' ? await startPgBoss(url, onJob) : await startGraphileWorker(url, onJob);
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void stop().finally(() => process.disconnect());
  });
  send('ready');
}
