import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { FleetJob } from '../fleet/index.ts';
import type { DeliveryStore } from '../spec/delivery-store.ts';
import { UserError } from '../spec/errors.ts';
import { taskStillBusy } from './delivery-book.ts';
import type { TriggerDecision } from './github-trigger.ts';

/** One entry of `triggers.schedules`. */
export type Schedule = Config['triggers']['schedules'][number];

/** A schedule as its fleet job carries it: the server's config, so a worker needs no copy of it. */
const ScheduleTickPayload = z.object({
  schedule: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
    cron: z.string().min(1),
    repo: z.string().min(1),
    agent: z.string().min(1).optional(),
    task: z.string().min(1),
    mode: z.enum(['act', 'shadow']).optional(),
  }),
  /** The tick a firing sent by hand (an operator, a test) stands for; the scheduler's firings carry none. */
  tick: z.iso.datetime().optional(),
});

/** The job each firing of `schedule` creates in a fleet (`warden serve --db` registers it). */
export function scheduleTickJob(schedule: Schedule): FleetJob {
  return { kind: 'schedule-tick', payload: { schedule } };
}

/**
 * Decides what one firing of a schedule starts in a fleet, where the queue's scheduler created the
 * job at `createdAt`. The tick it stands for is the schedule's last time at or before then (or the
 * payload's `tick`, for a firing sent by hand); the tick is
 * recorded once as a delivery (`schedule:NAME@TICK`) and its task gets an id derived from it, so however
 * often the job is delivered (a retry, a second firing of the same tick) the tick starts one task. A
 * tick that comes while the schedule's previous task still waits or runs starts nothing, recorded as
 * ignored. A tick whose task was decided but is not in the store yet is `started` again: the caller
 * queues it under the task's id, which the queue keeps once.
 *
 * @throws UserError `usage` when the payload is not a schedule tick's (the job fails for good).
 */
export async function decideScheduleTick(
  deliveries: DeliveryStore,
  payload: unknown,
  createdAt: string,
  now = new Date(),
): Promise<TriggerDecision> {
  const parsed = ScheduleTickPayload.safeParse(payload);
  if (!parsed.success) throw new UserError('usage', `not a schedule tick: ${parsed.error.message}`);
  const { schedule } = parsed.data;
  const tick = parsed.data.tick === undefined ? tickOf(schedule.cron, createdAt) : new Date(parsed.data.tick);
  const deliveryId = `schedule:${schedule.name}@${tick.toISOString()}`;
  const taskId = scheduledTaskId(schedule.name, tick);
  const repository = schedule.repo;
  const subject = `schedule:${schedule.name}`;
  const request = {
    taskId,
    repo: schedule.repo,
    task: schedule.task,
    agent: schedule.agent,
    requestedBy: `schedule:${schedule.name}`,
    trigger: { kind: 'schedule' as const, event: schedule.name, deliveryId, actor: 'schedule' },
    shadow: schedule.mode === undefined ? undefined : schedule.mode === 'shadow',
  };
  const last = await deliveries.lastStarted(repository, subject);
  if (last?.taskId === taskId) {
    // This tick was decided before; its task may never have reached the queue (the worker died between).
    return last.status === null ? { outcome: 'started', taskId, request } : { outcome: 'replayed' };
  }
  const claim = (outcome: string, started?: string) =>
    deliveries.claim({
      id: deliveryId,
      source: 'schedule',
      event: schedule.name,
      repository,
      subject,
      outcome,
      taskId: started,
    });
  const busy = taskStillBusy(last, now);
  if (busy !== undefined) {
    const reason = `task ${busy} of the last tick still waits or runs`;
    return (await claim(`ignored: ${reason}`)) ? { outcome: 'ignored', reason } : { outcome: 'replayed' };
  }
  return (await claim('started', taskId)) ? { outcome: 'started', taskId, request } : { outcome: 'replayed' };
}

/** The schedule's last time at or before `createdAt` (UTC): the tick a job created then stands for. */
function tickOf(cron: string, createdAt: string): Date {
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone: 'UTC', paused: true });
  } catch (error) {
    throw new UserError('usage', `not a schedule tick: ${JSON.stringify(cron)} is not a cron pattern`, {
      cause: error,
    });
  }
  // `previousRuns` answers strictly before its reference: a job created on the tick itself is that tick.
  const [tick] = pattern.previousRuns(1, new Date(Date.parse(createdAt) + 1));
  if (tick === undefined) {
    throw new UserError(
      'usage',
      `not a schedule tick: ${JSON.stringify(cron)} never fired before ${createdAt}`,
    );
  }
  return tick;
}

/** The id of the task a schedule's tick starts: the tick's time and the schedule, like `newTaskId`'s. */
function scheduledTaskId(name: string, tick: Date): string {
  const stamp = tick.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const of = createHash('sha256').update(`${name}@${tick.toISOString()}`).digest('hex').slice(0, 8);
  return `t${stamp}-${of}`;
}
