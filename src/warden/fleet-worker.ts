import { currentTaskOwner } from '../agent/index.ts';
import { type FleetDelivery, type FleetJob, LeaseKeeper } from '../fleet/index.ts';
import { describeError, WardenError } from '../spec/errors.ts';
import { deliveryOfForgeOutcomeJob } from './forge-outcomes.ts';
import type { TaskRequest } from './task-operations.ts';
import type { Warden } from './warden.ts';

/** How a fleet worker runs. */
export interface FleetWorkerSettings {
  /** A Warden opened on the fleet's PostgreSQL store with `leaseMs` (see `createWarden`). */
  warden: Warden;
  /** Tasks this process runs at once. */
  concurrency: number;
  /** The lease on each running task; the sweep for passed leases runs every half of it. */
  leaseMs: number;
  warn: (text: string) => void;
  /**
   * This worker lost a task's lease to another (it stalled longer than the lease): whatever it still does
   * for the task must stop. `warden worker` exits at once (status 75) and its supervisor starts it again.
   */
  onLeaseLost: (taskId: string) => void;
}

/** A running fleet worker. */
export interface FleetWorker {
  /** Takes no new job, waits up to `graceMs` for the running ones, then lets go of their leases. */
  stop(graceMs?: number): Promise<void>;
}

/** What a queue job asks of the worker: a new task (its request, with the id chosen when it was queued) or a resume. */
export type TaskJob =
  | { kind: 'run-task'; payload: { taskId: string; request: TaskRequest } }
  | { kind: 'resume-task'; payload: { taskId: string } };

/**
 * Runs tasks from the fleet's queue in this process until `stop`. A task is run under a lease on its row
 * that this worker renews; a worker that dies (kill -9, a lost machine) stops renewing, and once the lease
 * has passed any worker's sweep takes the task over: `task-interrupted` records whose lease passed, and
 * the resume continues from the journal — finished model calls are not paid again, finished tool calls
 * are not run again, and an action already taken is recognised by its idempotency key.
 * A worker whose lease was taken is told (`onLeaseLost`); its journal appends are refused meanwhile.
 */
export async function startFleetWorker(settings: FleetWorkerSettings): Promise<FleetWorker> {
  const { warden, warn } = settings;
  // Workers run the queue's scheduler: schedules fire while any worker lives, one firing per tick.
  const queue = await warden.fleetQueue({ fireSchedules: true });
  const leases = new LeaseKeeper({
    store: warden,
    owner: currentTaskOwner(),
    leaseMs: settings.leaseMs,
    onLost: settings.onLeaseLost,
    onError: (error) => warn(`warden worker: a lease renewal failed: ${describeError(error)}\n`),
  });
  const sweep = async () => {
    try {
      for (const { taskId, key } of await warden.reapAbandoned()) {
        await queue.enqueue({ kind: 'resume-task', payload: { taskId } }, { singletonKey: `resume:${key}` });
      }
    } catch (error) {
      warn(`warden worker: the sweep for abandoned tasks failed: ${describeError(error)}\n`);
    }
  };
  await sweep();
  const sweeper = setInterval(sweep, Math.max(1, Math.floor(settings.leaseMs / 2)));
  sweeper.unref();
  await queue.work(
    async (job) => {
      if (await handleTriggerJob(warden, job)) return;
      const task = taskJobOf(job);
      if (task === undefined) {
        warn(`warden worker: job ${job.id} of kind ${job.kind} is not a task; left to the queue\n`);
        return;
      }
      leases.hold(task.payload.taskId);
      try {
        await runTaskJob(warden, task, warn);
      } finally {
        leases.release(task.payload.taskId);
      }
    },
    { concurrency: settings.concurrency },
  );
  return {
    async stop(graceMs = 30_000) {
      clearInterval(sweeper);
      await queue.stop(graceMs);
      await leases.stop();
    },
  };
}

/**
 * Runs or takes over the job's task, whatever became of it since the job was queued: a task not yet in
 * the store starts; a running one belongs to its worker (once that worker's lease passes, a sweep makes
 * it interrupted and queues it again); an abandoned one is taken over (its lease, atomically, by one
 * worker) and resumed from its journal, or, when it had ended, its result delivered. A task that cannot
 * go on is let go, so the sweeps do not queue it again.
 */
async function runTaskJob(warden: Warden, job: TaskJob, warn: (text: string) => void): Promise<void> {
  const { taskId } = job.payload;
  const found = await warden.getTask(taskId);
  if (found === undefined) {
    if (job.kind === 'run-task') {
      await warden.runTask({ ...job.payload.request, taskId });
      await goOnIfDecided(warden, taskId);
    }
    return;
  }
  if (found.status === 'running' || !(await warden.takeOver(taskId))) return;
  const letGo = () => warden.renewLease(taskId, currentTaskOwner(), null);
  try {
    const task = await warden.getTask(taskId);
    if (task?.status === 'awaiting_approval') {
      // Its approval was decided (`warden serve` queued the resume): it goes on, or pauses again.
      await warden.resumeTask(taskId, {});
      await goOnIfDecided(warden, taskId);
    } else if (task?.status === 'interrupted') {
      if (task.resumableUntil === null) {
        warn(
          `warden worker: task ${taskId} was interrupted and its workspace is gone; it cannot be resumed\n`,
        );
        await letGo();
        return;
      }
      await warden.resumeTask(taskId, {});
      await goOnIfDecided(warden, taskId);
    } else if (task !== undefined && task.status !== 'running') {
      // It ended, but its worker died before delivering: the result goes out now, checked against the forge.
      await warden.finishDelivery(taskId);
    }
  } catch (error) {
    if (!(error instanceof WardenError && error.isRetryable)) await letGo().catch(() => {});
    throw error;
  }
}

/** Most resumes in one job of a task whose humans keep deciding before it has paused. */
const DECIDED_ROUNDS = 10;

/**
 * A task this worker has just paused for approval goes on at once when none of its requests is pending
 * any more: a human decided while it was still pausing, when `warden serve` saw it running and queued
 * no resume, so no other job would ever continue it. Taking the task over is atomic: when a resume
 * queued by a decision after the pause gets there first, this one does nothing.
 */
export async function goOnIfDecided(warden: Warden, taskId: string): Promise<void> {
  for (let round = 0; round < DECIDED_ROUNDS; round += 1) {
    const task = await warden.getTask(taskId);
    if (task?.status !== 'awaiting_approval') return;
    const pending = await warden.approvals();
    if (pending.some((request) => request.taskId === taskId)) return;
    if (!(await warden.takeOver(taskId))) return;
    await warden.resumeTask(taskId, {});
  }
}

/**
 * Handles a job that decides rather than runs: a schedule's firing (its tick's task queued once) or an
 * outcome event (recorded once). False for any other kind.
 */
async function handleTriggerJob(warden: Warden, job: FleetDelivery): Promise<boolean> {
  if (job.kind === 'schedule-tick') {
    await warden.scheduleTick(job.payload, job.createdAt);
    return true;
  }
  if (job.kind === 'forge-outcome') {
    await warden.recordForgeOutcome(deliveryOfForgeOutcomeJob(job.payload));
    return true;
  }
  return false;
}

function taskJobOf(job: FleetJob): TaskJob | undefined {
  const taskId = job.payload.taskId;
  if (typeof taskId !== 'string') return undefined;
  if (job.kind === 'resume-task') return { kind: 'resume-task', payload: { taskId } };
  if (job.kind === 'run-task' && typeof job.payload.request === 'object' && job.payload.request !== null) {
    return { kind: 'run-task', payload: { taskId, request: job.payload.request as TaskRequest } };
  }
  return undefined;
}
