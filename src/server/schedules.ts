import { Cron } from 'croner';
import { UserError } from '../spec/errors.ts';
import { newTaskId, type Warden } from '../warden/index.ts';
import type { TaskQueue } from './task-queue.ts';

/**
 * Starts the config's `triggers.schedules`: at each tick (UTC) a schedule queues its task, unless the
 * task of its last tick still waits or runs. Returns the function that stops every schedule.
 *
 * @throws UserError `config-invalid` naming the schedule whose cron pattern cannot be read.
 */
export function startSchedules(warden: Warden, queue: TaskQueue): () => void {
  const crons: Cron[] = [];
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
      crons.push(new Cron(schedule.cron, { timezone: 'UTC', protect: true }, tick));
    } catch (error) {
      stop();
      throw new UserError(
        'config-invalid',
        `triggers.schedules.${index}.cron: ${JSON.stringify(schedule.cron)} is not a cron pattern (${(error as Error).message})`,
        {
          hint: 'five fields (minute hour day month weekday), or six with seconds first, as croner reads them',
        },
      );
    }
  }
  return stop;
}
