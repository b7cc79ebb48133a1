import { Cron } from 'croner';
import { UserError } from '../spec/errors.ts';
import { newTaskId, type Warden } from '../warden/index.ts';
import type { TaskQueue } from './task-queue.ts';

type Schedule = Warden['config']['triggers']['schedules'][number];

/**
 * Starts the config's `triggers.schedules`: at each tick (UTC) a schedule queues its task, unless the
 * task of its last tick still waits or runs. Returns the function that stops every schedule.
 *
 * @throws UserError `config-invalid` naming the schedule whose cron pattern cannot be read.
 */
export function startSchedules(warden: Warden, queue: TaskQueue): () => void {
  const crons: Cron<unknown>[] = [];
  const stop = () => {
    for (const cron of crons) cron.stop();
  };
  for (const [index, schedule] of warden.config.triggers.schedules.entries()) {
    let last: string | undefined;
    const tick = () => {
      const previous = last === undefined ? undefined : queue.find(last);
      if (previous && (previous.state === 'queued' || previous.state === 'running')) return;
      const taskId = newTaskId();
      const at = new Date().toISOString();
      if (
        queue.add(taskId, {
          repo: schedule.repo,
          task: schedule.task,
          agent: schedule.agent,
          requestedBy: `schedule:${schedule.name}`,
          trigger: { kind: 'schedule', event: schedule.name, deliveryId: at, actor: 'schedule' },
          shadow: schedule.mode === undefined ? undefined : schedule.mode === 'shadow',
        })
      )
        last = taskId;
    };
    try {
      crons.push(readPattern(index, schedule, { timezone: 'UTC', protect: true }, tick));
    } catch (error) {
      stop();
      throw error;
    }
  }
  return stop;
}

/**
 * A fleet's schedules (`warden serve --db`): each pattern checked as `startSchedules` checks it, then
 * the queue's schedules made those of the config (removed ones unscheduled). The scheduler (run by the
 * workers) creates one job per tick for the whole fleet however many servers registered it, and a
 * worker decides the tick once; nothing fires in this process. Its resolution is a minute, so a
 * pattern that matches more often is named in a warning.
 *
 * @throws UserError `config-invalid` naming the schedule whose cron pattern cannot be read.
 */
export async function registerFleetSchedules(warden: Warden, warn: (text: string) => void): Promise<void> {
  for (const [index, schedule] of warden.config.triggers.schedules.entries()) {
    const [next, after] = readPattern(index, schedule, { timezone: 'UTC', paused: true }).nextRuns(2);
    if (next && after && after.getTime() - next.getTime() < 60_000) {
      warn(
        `warden serve: triggers.schedules.${index} (${schedule.name}): ${JSON.stringify(schedule.cron)} fires more than once a minute; a fleet's schedules fire at most once a minute\n`,
      );
    }
  }
  const removed = await warden.syncFleetSchedules();
  if (removed.length > 0) {
    warn(`warden serve: schedules no longer in the config, removed from the fleet: ${removed.join(', ')}\n`);
  }
}

/** The schedule's pattern read by croner, or `config-invalid` naming `triggers.schedules.INDEX.cron`. */
function readPattern(
  index: number,
  schedule: Schedule,
  options: ConstructorParameters<typeof Cron>[1],
  tick?: () => void,
): Cron<unknown> {
  try {
    return tick === undefined ? new Cron(schedule.cron, options) : new Cron(schedule.cron, options, tick);
  } catch (error) {
    throw new UserError(
      'config-invalid',
      `triggers.schedules.${index}.cron: ${JSON.stringify(schedule.cron)} is not a cron pattern (${(error as Error).message})`,
      {
        hint: 'five fields (minute hour day month weekday), or six with seconds first, as croner reads them',
      },
    );
  }
}
