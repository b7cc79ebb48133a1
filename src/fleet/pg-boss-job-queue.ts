import { AssertionError } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Db, type JobWithMetadata, PgBoss, type QueueOptions } from 'pg-boss';
import { SystemError, UserError } from '../spec/errors.ts';
import { type FleetJobData, parseFleetJobData, toFleetJobData } from './internal/fleet-job-data.ts';
import { LimitSlots } from './internal/limit-slots.ts';
import { queueFailure } from './internal/queue-failure.ts';
import { runDelivery } from './internal/run-delivery.ts';
import type {
  CreateJobQueueOptions,
  EnqueueOptions,
  FleetDelivery,
  FleetJob,
  JobQueue,
  JobQueueEvent,
  ScheduledJob,
} from './job-queue.ts';
import {
  type JobQueueSettings,
  type JobQueueSettingsInput,
  parseJobQueueSettings,
} from './job-queue-settings.ts';

/** The one pg-boss queue every fleet job goes through (the job's kind is in its data). */
const FLEET_QUEUE = 'warden-fleet';

/**
 * Opens the fleet's queue on pg-boss: starts pg-boss (creating or migrating its schema), creates the
 * queue (policy `exclusive`: one job per singleton key while queued, retrying or running) or applies
 * these settings to it. Throws `UserError('config-invalid')` for bad settings, `SystemError('store-failed')`
 * when PostgreSQL fails.
 */
export async function openPgBossJobQueue(
  url: string,
  input: JobQueueSettingsInput,
  options: CreateJobQueueOptions = {},
): Promise<PgBossJobQueue> {
  const settings = parseJobQueueSettings(input);
  const onEvent = options.onEvent ?? (() => {});
  const boss = new PgBoss({
    connectionString: url,
    schema: settings.schema,
    max: settings.maxConnections,
    application_name: 'warden-fleet',
    useListenNotify: true,
    // pg-boss's scheduler: every instance that has it on offers a pass, and one a pass (claimed in the
    // database) turns due schedules into jobs, each occurrence once (a singleton per schedule a minute).
    schedule: options.fireSchedules === true,
    // Every instance offers to supervise; one a pass (pg-boss claims the pass in the database) fails the
    // jobs whose heartbeat stopped, so they are retried.
    supervise: true,
    superviseIntervalSeconds: settings.superviseIntervalSeconds,
    monitorIntervalSeconds: settings.superviseIntervalSeconds,
    openTelemetry: { enabled: false },
  });
  boss.on('error', (error) => onEvent({ type: 'queue-error', error }));
  try {
    await boss.start();
    const queueOptions: QueueOptions & { notify: boolean } = {
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: settings.retryDelayMaxSeconds,
      heartbeatSeconds: settings.heartbeatSeconds,
      expireInSeconds: settings.maxRunSeconds,
      notify: true,
    };
    await boss.createQueue(FLEET_QUEUE, { policy: 'exclusive', ...queueOptions });
    await boss.updateQueue(FLEET_QUEUE, queueOptions);
    const queue = await boss.getQueue(FLEET_QUEUE);
    if (queue?.policy !== 'exclusive') {
      throw new SystemError(
        'store-failed',
        `the queue ${FLEET_QUEUE} in schema ${settings.schema} has policy ${queue?.policy}, not exclusive`,
        { hint: `delete that queue (it was not created by this version of Warden) or choose another schema` },
      );
    }
  } catch (error) {
    await boss.stop({ graceful: false, timeout: 1_000 }).catch(() => {});
    throw queueFailure(error, 'cannot open the job queue', url);
  }
  return new PgBossJobQueue(boss, url, settings, onEvent);
}

/**
 * The fleet's `JobQueue` on pg-boss. Each slot of `work` is a pg-boss worker of its own (one job at a
 * time) with its own connection for concurrency slots; a slot that has run a job fetches the next at
 * once, an idle one wakes on NOTIFY or every `pollingIntervalSeconds`. Construct with
 * `openPgBossJobQueue`.
 */
export class PgBossJobQueue implements JobQueue {
  readonly #boss: PgBoss;
  readonly #url: string;
  readonly #settings: JobQueueSettings;
  readonly #onEvent: (event: JobQueueEvent) => void;
  readonly #slots: LimitSlots[] = [];
  #stopping: Promise<void> | undefined;

  constructor(
    boss: PgBoss,
    url: string,
    settings: JobQueueSettings,
    onEvent: (event: JobQueueEvent) => void,
  ) {
    this.#boss = boss;
    this.#url = url;
    this.#settings = settings;
    this.#onEvent = onEvent;
  }

  async enqueue(job: FleetJob, options: EnqueueOptions = {}): Promise<string | undefined> {
    const data = toFleetJobData(job);
    try {
      const id = await this.#boss.send(FLEET_QUEUE, data, {
        // The queue's policy allows one job per key: a job without a key of its own gets a unique one.
        singletonKey: options.singletonKey ?? `job:${randomUUID()}`,
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      });
      return id ?? undefined;
    } catch (error) {
      throw queueFailure(error, `cannot enqueue a ${job.kind} job`, this.#url);
    }
  }

  async schedule(key: string, cron: string, job: FleetJob): Promise<void> {
    const data = toFleetJobData(job);
    try {
      await this.#boss.schedule(FLEET_QUEUE, cron, data, {
        key,
        tz: 'UTC',
        // The queue is exclusive: no firing while this schedule's last job still waits or runs.
        singletonKey: `schedule:${key}`,
      });
    } catch (error) {
      if (error instanceof AssertionError) {
        throw new UserError('config-invalid', `schedule ${key}: ${JSON.stringify(cron)}: ${error.message}`, {
          cause: error,
          hint: 'five fields (minute hour day month weekday), or six with seconds first, in UTC',
        });
      }
      throw queueFailure(error, `cannot register schedule ${key}`, this.#url);
    }
  }

  async unschedule(key: string): Promise<void> {
    try {
      await this.#boss.unschedule(FLEET_QUEUE, key);
    } catch (error) {
      throw queueFailure(error, `cannot remove schedule ${key}`, this.#url);
    }
  }

  async schedules(): Promise<ScheduledJob[]> {
    let rows: Awaited<ReturnType<PgBoss['getSchedules']>>;
    try {
      rows = await this.#boss.getSchedules(FLEET_QUEUE);
    } catch (error) {
      throw queueFailure(error, 'cannot list the schedules', this.#url);
    }
    return rows.flatMap((row) => {
      // A row some other program wrote into this queue is not one of ours to report.
      const data = parseFleetJobData(row.data);
      if (!data) return [];
      const job: FleetJob = {
        kind: data.kind,
        payload: data.payload,
        ...(data.limits ? { limits: data.limits } : {}),
      };
      return [{ key: row.key, cron: row.cron, job }];
    });
  }

  async work(
    handler: (job: FleetDelivery) => Promise<void>,
    options: { concurrency: number },
  ): Promise<void> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new UserError(
        'config-invalid',
        `work: concurrency must be a whole number of at least 1, not ${options.concurrency}`,
      );
    }
    if (this.#stopping) throw new UserError('usage', 'work: this job queue was stopped');
    for (let index = 0; index < options.concurrency; index++) {
      const slots = new LimitSlots(this.#url, (error) => this.#onEvent({ type: 'queue-error', error }));
      this.#slots.push(slots);
      const context = {
        slots,
        limits: this.#settings.limits,
        handler,
        putBack: (job: JobWithMetadata<unknown>, data: FleetJobData) => this.#putBack(job, data, slots),
        onEvent: this.#onEvent,
      };
      let workerId: string | undefined;
      try {
        workerId = await this.#boss.work(
          FLEET_QUEUE,
          {
            localConcurrency: 1,
            batchSize: 1,
            includeMetadata: true,
            perJobResults: true,
            pollingIntervalSeconds: this.#settings.pollingIntervalSeconds,
            // Retries and put-back jobs send no NOTIFY: an idle worker must poll for them at this pace.
            notifyPollingIntervalSeconds: this.#settings.pollingIntervalSeconds,
          },
          async (jobs) => {
            const results = [];
            for (const job of jobs) results.push(await runDelivery(job, context));
            // More may be waiting: fetch again now rather than after the polling interval.
            if (workerId) this.#boss.notifyWorker(workerId);
            return results;
          },
        );
      } catch (error) {
        throw queueFailure(error, 'cannot start a worker', this.#url);
      }
    }
  }

  stop(graceMs = 30_000): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        // Waits for running handlers up to the grace; then fails (so retries) and aborts the rest.
        await this.#boss.stop({ graceful: true, timeout: graceMs });
      } catch (error) {
        throw queueFailure(error, 'cannot stop the job queue', this.#url);
      } finally {
        await Promise.all(this.#slots.map((slots) => slots.close()));
      }
    })();
    return this.#stopping;
  }

  /**
   * Completes the delivered job and sends a copy, due in `deferSeconds`, with the same key and the
   * attempts it has used, in one transaction: the put-back costs no attempt. Throws when the delivery
   * is no longer this worker's (pg-boss gave it to another), leaving the job as it was.
   */
  async #putBack(job: JobWithMetadata<unknown>, data: FleetJobData, slots: LimitSlots): Promise<void> {
    await slots.transaction(async (client) => {
      const db = asDatabase(client);
      const completed = await this.#boss.complete(
        FLEET_QUEUE,
        { id: job.id, retryCount: job.retryCount },
        { deferred: true },
        { db },
      );
      if ((completed as { affected?: number }).affected !== 1) {
        throw new SystemError('store-failed', `job ${job.id} is no longer this worker's: not put back`);
      }
      await this.#boss.send(
        FLEET_QUEUE,
        { ...data, priorAttempts: (data.priorAttempts ?? 0) + job.retryCount },
        {
          ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
          startAfter: this.#settings.deferSeconds,
          retryLimit: Math.max(0, job.retryLimit - job.retryCount),
          db,
        },
      );
    });
  }
}

/** A pg client as the database pg-boss runs statements on (for statements inside our transaction). */
function asDatabase(client: pg.Client): Db {
  return { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
}
