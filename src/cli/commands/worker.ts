import { ENV } from '../../spec/env.ts';
import { UserError } from '../../spec/errors.ts';
import { startFleetWorker } from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger, positiveNumber } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const WORKER_HELP = `warden worker --db postgres://… [--concurrency 2] [--lease-seconds 30]

Runs tasks from the fleet's queue (PostgreSQL, given by --db or WARDEN_DATABASE_URL), at most
--concurrency at once; run as many workers as you like, on any machines that reach the database.
\`warden serve --db …\` and \`warden run --db … --queue\` queue tasks for them.

Each running task holds a lease that its worker renews every third of --lease-seconds. A worker that
dies (kill -9, a lost machine) stops renewing; once the lease has passed, any worker takes the task
over and resumes it from its journal: finished model calls are not paid again, finished tool calls are
not run again, and an action already taken is not taken twice. A shorter lease recovers sooner; a
longer one survives longer stalls (a worker whose lease was taken exits with status 75).
Workers on several machines resume a task only where its workspace is (the data directory's scratch):
give workers on one machine one --data-dir.
SIGTERM or SIGINT: no new task is taken, the running ones finish (up to a minute), then it exits.
`;

/** Exit status of a worker that lost a lease to another. */
const EXIT_LEASE_LOST = 75;

export async function workerCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('worker', argv, {
    concurrency: { type: 'string' },
    'lease-seconds': { type: 'string' },
  });
  if (values.help) {
    io.out(WORKER_HELP);
    return EXIT.ok;
  }
  const database = values.db ?? (io.env[ENV.databaseUrl] || undefined);
  if (!database?.startsWith('postgres')) {
    throw new UserError('usage', 'warden worker: workers share a PostgreSQL database, and none was given', {
      hint: `pass --db postgres://USER@HOST/DATABASE or set ${ENV.databaseUrl}`,
    });
  }
  const concurrency = positiveInteger('concurrency', values.concurrency) ?? 2;
  const leaseMs = Math.round((positiveNumber('lease-seconds', values['lease-seconds']) ?? 30) * 1000);
  const warden = await openWarden({ ...values, db: database }, io, { leaseMs });
  let worker: Awaited<ReturnType<typeof startFleetWorker>>;
  try {
    worker = await startFleetWorker({
      warden,
      concurrency,
      leaseMs,
      warn: io.err,
      // Stalled past its lease: the task is another worker's now. Exit rather than race it; the
      // supervisor (systemd, the container runtime) starts a fresh worker.
      onLeaseLost: (taskId) => {
        io.err(
          `warden worker: task ${taskId} was taken over by another worker (this one's lease passed); exiting\n`,
        );
        process.exit(EXIT_LEASE_LOST);
      },
    });
  } catch (error) {
    await warden.close();
    throw error;
  }
  io.err(`warden worker: taking tasks from ${warden.storeLocation}, ${concurrency} at a time\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  io.err(`warden worker: ${signal}: taking no new task, waiting for the running ones\n`);
  await worker.stop(60_000);
  await warden.close();
  io.err('warden worker: stopped\n');
  return EXIT.ok;
}
