import { serve } from '@hono/node-server';
import {
  createServerApp,
  decidedWhilePausing,
  registerFleetSchedules,
  startSchedules,
  TaskQueue,
} from '../../server/index.ts';
import { describeError, UserError } from '../../spec/errors.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const SERVE_HELP = `warden serve [--host 127.0.0.1] [--port 8484] [--concurrency 2] [--insecure-local] [--db URL]

Runs Warden as a server: GET /healthz, GET /readyz, and the JSON API behind a bearer token
(WARDEN_API_TOKEN): POST /api/tasks {repo, task, agent?, model?, kind?, maxUsd?, maxSteps?, noBranch?}
(202 with the task id; at most --concurrency tasks run at once, the rest wait), GET /api/tasks
[?status=&limit=], GET /api/tasks/ID, GET /api/tasks/ID/trace, GET /api/approvals[?all=true],
POST /api/approvals/ID/approve and /deny {by?, reason?}. Bad input gets 400 naming the field.
GitHub webhooks at POST /webhooks/github, alerts (PagerDuty v3, Alertmanager) at POST /webhooks/alert
and the schedules of \`triggers\` start tasks too. The dashboard is at / (log in with the same token):
tasks, their trajectories, the approvals inbox, policy decisions and cost; GET /metrics is Prometheus text.
Without WARDEN_API_TOKEN it refuses to start, unless bound to a loopback address with
--insecure-local. SIGTERM or SIGINT: no new task is taken (readyz says 503), the running ones finish,
then it exits; tasks still waiting are dropped (send them again). A second signal stops at once: the
running tasks are left interrupted, and the next \`warden serve\` resumes them (as it resumes any task
a killed process left interrupted with its workspace kept).
With --db postgres://… (or WARDEN_DATABASE_URL), a fleet: tasks, resumes after an approval, webhook and
schedule tasks are queued for \`warden worker\` processes instead of running here (--concurrency does not
apply), and a task shows as queued until a worker starts it. Schedules are registered with the fleet's
queue (those no longer in the config removed) and fire once per tick however many servers run, at most
once a minute; GitHub outcome events (a pull request closed, a review, a push) are queued for a worker.
`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function serveCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('serve', argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    concurrency: { type: 'string' },
    'insecure-local': { type: 'boolean' },
  });
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  const host = values.host ?? '127.0.0.1';
  const port = values.port === '0' ? 0 : (positiveInteger('port', values.port) ?? 8484);
  const concurrency = positiveInteger('concurrency', values.concurrency) ?? 2;
  const token = io.env.WARDEN_API_TOKEN || undefined;
  if (token === undefined && !(values['insecure-local'] && LOOPBACK.has(host))) {
    throw new UserError('usage', 'warden serve: refusing to serve the API without a token', {
      hint: 'set WARDEN_API_TOKEN, or add --insecure-local and bind to 127.0.0.1 for a local trial',
    });
  }
  const warden = await openWarden(values, io);
  // A fleet (--db postgres://…): tasks go to the queue, and `warden worker` processes run them.
  const fleet = warden.storeEngine === 'postgres';
  const queue = new TaskQueue(
    {
      run: (request) =>
        (fleet ? warden.enqueueTask(request) : warden.runTask(request)).catch(async (error: unknown) => {
          // It never started: the delivery that asked for it no longer holds its subject.
          if (request.trigger) await warden.deliveryFailed(request.trigger.deliveryId, describeError(error));
          throw error;
        }),
      resume: (taskId) => (fleet ? warden.enqueueResume(taskId) : warden.resumeTask(taskId, {})),
      // An approval decided while its task was still pausing: the task goes on now.
      goesOn: (taskId) => (fleet ? Promise.resolve(false) : decidedWhilePausing(warden, taskId)),
    },
    concurrency,
    { handsOff: fleet },
  );
  const app = createServerApp(warden, queue, token);
  let stopSchedules = () => {};
  try {
    // A fleet's schedules fire through the queue's scheduler, once per tick for every server.
    if (fleet) await registerFleetSchedules(warden, io.err);
    else stopSchedules = startSchedules(warden, queue);
  } catch (error) {
    await warden.close();
    throw error;
  }
  let server: ReturnType<typeof serve> | undefined;
  const bound = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve(info.port));
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await warden.close();
    throw new UserError(
      'usage',
      `warden serve: cannot listen on ${host}:${port}: ${(error as Error).message}`,
      {
        hint: 'choose another --port, or stop what holds this one',
      },
    );
  });
  io.err(
    `warden serve: listening on http://${host.includes(':') ? `[${host}]` : host}:${bound}${token ? '' : ' (no token: local use only)'}\n`,
  );

  // Tasks a killed server left interrupted, their workspaces kept, go on first (a fleet's workers find
  // their own).
  const interrupted = (fleet ? [] : await warden.tasks({ limit: 1000 })).filter(
    (task) => task.status === 'interrupted' && task.resumableUntil !== null,
  );
  for (const task of interrupted) queue.add(task.id);
  if (interrupted.length > 0) io.err(`warden serve: resuming ${interrupted.length} interrupted task(s)\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  io.err(
    `warden serve: ${signal}: taking no new task, waiting for the running ones (signal again to stop now)\n`,
  );
  // A second signal stops at once: the running tasks are left interrupted, and the next start resumes them.
  const again = (second: NodeJS.Signals) => {
    io.err(`warden serve: ${second}: stopping now; the running tasks resume on the next start\n`);
    process.exit(EXIT.interrupted);
  };
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  stopSchedules();
  const dropped = await queue.drain();
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    // Idle keep-alive connections would hold the close open.
    (server as { closeIdleConnections?: () => void } | undefined)?.closeIdleConnections?.();
  });
  await warden.close();
  io.err(`warden serve: stopped${dropped > 0 ? ` (${dropped} waiting task(s) dropped)` : ''}\n`);
  return EXIT.ok;
}
