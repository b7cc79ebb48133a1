import { currentTaskOwner, type ReapResult } from '../agent/index.ts';
import type { Config } from '../config/index.ts';
import { createJobQueue, type FleetLimitKey, type JobQueue } from '../fleet/index.ts';
import { describeError, UserError } from '../spec/errors.ts';
import { deliveryBook } from './delivery-book.ts';
import { forgeOutcomeJob } from './forge-outcomes.ts';
import type { GithubDelivery, TriggerDecision } from './github-trigger.ts';
import type { createResultDelivery } from './result-delivery.ts';
import { decideScheduleTick, scheduleTickJob } from './schedule-tick.ts';
import { finishDeliveryWith, type TaskRequest } from './task-operations.ts';
import type { SharedParts } from './task-runtime.ts';

/** What a fleet's processes do with the shared store besides running tasks: leases, sweeps, the queue. */
export class FleetOperations {
  readonly #parts: SharedParts;
  readonly #delivery: () => ReturnType<typeof createResultDelivery>;
  readonly #reap: () => Promise<ReapResult>;
  readonly #database: string | undefined;
  #queue: Promise<JobQueue> | undefined;

  constructor(settings: {
    parts: SharedParts;
    delivery: () => ReturnType<typeof createResultDelivery>;
    reap: () => Promise<ReapResult>;
    /** The PostgreSQL URL the queue lives in; undefined or SQLite: there is no queue. */
    database: string | undefined;
  }) {
    this.#parts = settings.parts;
    this.#delivery = settings.delivery;
    this.#reap = settings.reap;
    this.#database = settings.database;
  }

  /**
   * The tasks whose worker is gone and that need another: running ones whose process died or whose lease
   * passed (made `interrupted` now, their journal saying whose lease passed), interrupted ones nobody
   * took, and ended ones whose worker died before their result was delivered. Each comes with a key
   * naming this abandonment (the task and the lease that passed), so a job queued for it once is not
   * queued again, while a worker that takes it and dies leaves a new one.
   */
  async reapAbandoned(): Promise<Array<{ taskId: string; key: string }>> {
    const { interrupted } = await this.#reap();
    const passed = await this.#parts.store.passedLeases(new Date().toISOString(), 100);
    const abandoned = new Map<string, string>();
    for (const task of passed) {
      if (task.status !== 'running') abandoned.set(task.id, `${task.id}@${task.leaseUntil}`);
    }
    for (const taskId of interrupted) if (!abandoned.has(taskId)) abandoned.set(taskId, `${taskId}@unleased`);
    return [...abandoned].map(([taskId, key]) => ({ taskId, key }));
  }

  /**
   * Takes over an abandoned task (its lease passed, or an interrupted one without a lease) for this
   * process; false when another worker holds it.
   */
  async takeOver(taskId: string): Promise<boolean> {
    const now = Date.now();
    const until = new Date(now + (this.#parts.leaseMs ?? 30_000)).toISOString();
    const taken = await this.#parts.store.takeLease(
      taskId,
      currentTaskOwner(),
      new Date(now).toISOString(),
      until,
    );
    // This process may have run the task before, and others have written on since.
    if (taken) this.#parts.journal.forgetHead(taskId);
    return taken;
  }

  /** Delivers the result of an ended task taken over from a worker that died first, then lets it go. */
  async finishDelivery(taskId: string): Promise<void> {
    const task = await this.#parts.store.getTask(taskId);
    if (task) await finishDeliveryWith(this.#parts, this.#delivery, task);
  }

  /**
   * The fleet's job queue, opened on first use in the same PostgreSQL database. `fireSchedules`: this
   * process runs the queue's scheduler too (a worker); the first call decides, later ones get the
   * same queue.
   *
   * @throws UserError `usage` when the store is not PostgreSQL.
   */
  queue(options: { fireSchedules?: boolean } = {}): Promise<JobQueue> {
    const database = this.#database;
    if (database === undefined || this.#parts.stores.engine !== 'postgres') {
      return Promise.reject(
        new UserError('usage', 'a fleet queue needs the fleet’s PostgreSQL database, and none was given', {
          hint: 'pass --db postgres://USER@HOST/DATABASE or set WARDEN_DATABASE_URL',
        }),
      );
    }
    const warn = this.#parts.warn;
    const { concurrency } = this.#parts.config.fleet;
    const limits = Object.fromEntries(Object.entries(concurrency).filter(([, most]) => most !== null));
    this.#queue ??= createJobQueue(
      database,
      { limits },
      {
        onEvent: (event) => {
          if (event.type === 'job-failed') {
            const then = event.willRetry ? 'it will be retried' : 'it failed for good';
            warn(
              `warden: job ${event.id} (${event.kind}, attempt ${event.attempt}): ${describeError(event.error)}; ${then}\n`,
            );
          } else if (event.type === 'queue-error') {
            warn(`warden: the job queue: ${describeError(event.error)}\n`);
          }
        },
        fireSchedules: options.fireSchedules === true,
      },
    );
    return this.#queue;
  }

  /** Queues a new task for the fleet's workers; returns its id (the request's, or a new one). */
  async enqueueTask(request: TaskRequest & { taskId: string }): Promise<string> {
    const queue = await this.queue();
    await queue.enqueue(
      {
        kind: 'run-task',
        payload: { taskId: request.taskId, request },
        limits: limitKeysOf(this.#parts.config, request),
      },
      { singletonKey: `task:${request.taskId}` },
    );
    return request.taskId;
  }

  /** Queues the resume of a task (its approval decided) for the fleet's workers. */
  async enqueueResume(taskId: string): Promise<string> {
    const queue = await this.queue();
    await queue.enqueue(
      { kind: 'resume-task', payload: { taskId } },
      { singletonKey: `resume:${taskId}@decided` },
    );
    return taskId;
  }

  /**
   * Makes the queue's schedules those of the config (`triggers.schedules`): each registered (or
   * replaced) by its name, and any registered before that the config no longer has removed. Returns
   * the names removed.
   */
  async syncSchedules(): Promise<string[]> {
    const queue = await this.queue();
    const schedules = this.#parts.config.triggers.schedules;
    for (const schedule of schedules) {
      await queue.schedule(schedule.name, schedule.cron, scheduleTickJob(schedule));
    }
    const kept = new Set(schedules.map((schedule) => schedule.name));
    const removed = (await queue.schedules()).map(({ key }) => key).filter((key) => !kept.has(key));
    for (const key of removed) await queue.unschedule(key);
    return removed;
  }

  /**
   * Handles one firing of a schedule (its job created at `createdAt`): decides it once per tick and
   * queues the tick's task, unless the schedule's last task still waits or runs.
   */
  async scheduleTick(payload: unknown, createdAt: string): Promise<TriggerDecision> {
    const decision = await decideScheduleTick(this.#parts.stores.deliveries, payload, createdAt);
    if (decision.outcome === 'started') await this.enqueueTask(decision.request);
    return decision;
  }

  /**
   * Queues a verified outcome event (a pull request closed, a review, a push) for a worker to record,
   * one job per delivery id; `replayed` when the id was recorded before (counted on its record) or its
   * job is still waiting.
   */
  async enqueueForgeOutcome(delivery: GithubDelivery): Promise<TriggerDecision> {
    const book = deliveryBook(this.#parts.stores.deliveries, {
      id: delivery.id,
      source: 'github',
      event: delivery.event,
    });
    if (await book.replayed()) return { outcome: 'replayed' };
    const queue = await this.queue();
    const jobId = await queue.enqueue(forgeOutcomeJob(delivery), {
      singletonKey: `forge-outcome:${delivery.id}`,
    });
    return jobId === undefined ? { outcome: 'replayed' } : { outcome: 'queued', jobId };
  }

  /** Stops the queue's connections, if it was opened. */
  async close(): Promise<void> {
    const queue = await this.#queue?.catch(() => undefined);
    await queue?.stop(0);
  }
}

/** The keys a task's concurrency counts against: its agent and team, its repository, its model's vendor. */
function limitKeysOf(config: Config, request: TaskRequest): Partial<Record<FleetLimitKey, string>> {
  const declared = request.agent !== undefined ? config.agents[request.agent] : undefined;
  return {
    agent: request.agent ?? config.agent.name,
    team: declared?.team ?? config.agent.team,
    repository: request.fetch?.repository ?? request.repo,
    provider: (request.model ?? declared?.model ?? config.model).split(':')[0]!,
  };
}
