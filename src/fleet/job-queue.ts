/** What a fleet job asks a worker to do. */
export type FleetJobKind = 'run-task' | 'resume-task' | 'trigger-event' | 'schedule-tick' | 'forge-outcome';

/** Every kind, in one list (for parsing and exhaustive checks). */
export const FLEET_JOB_KINDS: readonly FleetJobKind[] = [
  'run-task',
  'resume-task',
  'trigger-event',
  'schedule-tick',
  'forge-outcome',
];

/** The keys a job's concurrency can be limited by. */
export type FleetLimitKey = 'agent' | 'team' | 'repository' | 'provider';

/** Every limit key, in the order slots are taken. */
export const FLEET_LIMIT_KEYS: readonly FleetLimitKey[] = ['agent', 'team', 'repository', 'provider'];

/** A unit of work for the fleet: its kind, its data (JSON), and the keys its concurrency counts against. */
export interface FleetJob {
  kind: FleetJobKind;
  payload: Record<string, unknown>;
  /** Concurrency keys, e.g. `{ agent: 'fix-ci', team: 'web', repository: 'o/r', provider: 'anthropic' }`. */
  limits?: Partial<Record<FleetLimitKey, string>>;
}

/** A job as a worker's handler receives it. */
export interface FleetDelivery extends FleetJob {
  /** The queue's id of this job (a job put back because its limit was full gets a new one). */
  id: string;
  /** 1 on the first delivery; each retry (an infrastructure failure, a worker that died) adds one. */
  attempt: number;
  /** Aborted when the job outlives `maxRunSeconds` or `stop()` gives up waiting for it. */
  signal: AbortSignal;
  /** When the queue created this job (ISO); a job put back because its limit was full: when its copy was. */
  createdAt: string;
}

/** A recurring job as the queue's scheduler holds it. */
export interface ScheduledJob {
  /** The schedule's name, unique in the queue. */
  key: string;
  /** When it fires: a cron pattern, in UTC. */
  cron: string;
  /** The job each firing creates. */
  job: FleetJob;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** While a job with this key is queued, waiting for a retry, or running, another is not created. */
  singletonKey?: string;
  /** Not before this many seconds from now. */
  startAfterSeconds?: number;
}

/** What happened inside the queue, for logs, metrics and tests. */
export type JobQueueEvent =
  /** A job found no free slot for one of its limit keys and was put back for `deferSeconds`. */
  | { type: 'job-deferred'; id: string; kind: FleetJobKind; key: FleetLimitKey }
  /**
   * A handler threw (or its slots could not be taken). `willRetry`: the error was retryable and the job
   * has retries left, so the queue runs it again after a backoff; otherwise it failed for good.
   */
  | {
      type: 'job-failed';
      id: string;
      kind: FleetJobKind;
      attempt: number;
      willRetry: boolean;
      error: unknown;
    }
  /** The queue itself reported a problem (a lost connection, a failed maintenance pass). */
  | { type: 'queue-error'; error: unknown };

/**
 * The fleet's job queue: tasks to run and resume, trigger events, schedules and forge outcomes, claimed
 * by any number of worker processes on any number of machines.
 */
export interface JobQueue {
  /**
   * Enqueues a job and returns its id; `undefined` when `singletonKey` is given and a job with that key
   * is already queued or running (nothing is created). Throws `SystemError('store-failed')` when
   * PostgreSQL cannot take it.
   */
  enqueue(job: FleetJob, options?: EnqueueOptions): Promise<string | undefined>;
  /**
   * Runs `handler` for jobs, at most `concurrency` at once in this process, until `stop()`; resolves
   * once the workers are taking jobs. A handler that returns completes its job (a task that failed on
   * its merits returns normally). A handler that throws an error with `isRetryable === true` (see
   * `WardenError`) has its job retried with exponential backoff, up to `retryLimit` times; any other
   * throw fails the job for good. A job whose concurrency limit is full is put back for a few seconds
   * without costing it an attempt.
   */
  work(handler: (job: FleetDelivery) => Promise<void>, options: { concurrency: number }): Promise<void>;
  /**
   * Registers the recurring job `key`, or replaces it: at each time of `cron` (UTC; five fields, or six
   * with seconds first) the queue creates `job` once for the whole fleet, however many processes run
   * the scheduler. The scheduler's resolution is a minute: a pattern that matches more often fires at
   * most once a minute. While the job of an earlier firing is still queued or running, a firing creates
   * nothing. Jobs are created only while some process has the queue open with `fireSchedules`.
   * Throws `UserError('config-invalid')` for a pattern the scheduler cannot read,
   * `SystemError('store-failed')` when PostgreSQL cannot take it.
   */
  schedule(key: string, cron: string, job: FleetJob): Promise<void>;
  /** Removes the recurring job `key` (nothing when there is none). Throws `SystemError('store-failed')`. */
  unschedule(key: string): Promise<void>;
  /** Every recurring job registered. Throws `SystemError('store-failed')`. */
  schedules(): Promise<ScheduledJob[]>;
  /**
   * Stops taking jobs and waits up to `graceMs` (default 30 s) for running handlers; jobs still running
   * then are aborted and handed back to the queue for a retry. Closes every connection.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Options of `createJobQueue` besides the settings. */
export interface CreateJobQueueOptions {
  /** Told of deferrals, failed handlers and the queue's own errors. */
  onEvent?: (event: JobQueueEvent) => void;
  /**
   * Run the scheduler in this process: it creates the jobs of `schedule` when they come due (the
   * processes that have it on take turns, one pass at a time across the fleet). Default off: a process
   * that only enqueues (`warden run --queue`) does not need it.
   */
  fireSchedules?: boolean;
}
