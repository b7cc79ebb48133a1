import { UserError } from '../../spec/errors.ts';
import type { Store } from '../../spec/store.ts';
import { RESUMABLE_STOPS, type Task } from '../../spec/types.ts';

/**
 * The task `taskId`, if it can be resumed: one that waits for an approval, one that was interrupted, or
 * one stopped by a limit (steps, wall time, budget), while its workspace is still kept.
 *
 * @throws UserError `task-not-found`, or `task-not-resumable` when the task is none of those, or its
 *   workspace is gone.
 */
export async function loadResumableTask(store: Store, taskId: string): Promise<Task> {
  const task = await store.getTask(taskId);
  if (!task)
    throw new UserError('task-not-found', `no task ${taskId}`, { hint: 'list tasks with `warden tasks`' });
  const stoppedByLimit =
    task.status === 'stopped' && task.stopReason !== null && RESUMABLE_STOPS.has(task.stopReason);
  if (task.status !== 'awaiting_approval' && task.status !== 'interrupted' && !stoppedByLimit) {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} is ${task.status}${task.stopReason ? ` (${task.stopReason})` : ''}; only a task awaiting approval resumes, an interrupted one, or one stopped by a limit`,
      { hint: 'start it again with `warden run`' },
    );
  }
  if ((task.status === 'interrupted' || stoppedByLimit) && task.resumableUntil === null) {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} was ${task.status === 'interrupted' ? 'interrupted' : `stopped (${task.stopReason})`} and its workspace is gone`,
      { hint: 'start it again with `warden run`' },
    );
  }
  return task;
}
