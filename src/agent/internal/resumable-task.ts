import { UserError } from '../../spec/errors.ts';
import type { Store } from '../../spec/store.ts';
import type { Task } from '../../spec/types.ts';

/**
 * The task `taskId`, if it can be resumed: one that waits for an approval, or one that was interrupted
 * while its workspace is still kept.
 *
 * @throws UserError `task-not-found`, or `task-not-resumable` when the task is neither waiting nor
 *   interrupted, or its workspace is gone.
 */
export async function loadResumableTask(store: Store, taskId: string): Promise<Task> {
  const task = await store.getTask(taskId);
  if (!task)
    throw new UserError('task-not-found', `no task ${taskId}`, { hint: 'list tasks with `warden tasks`' });
  if (task.status !== 'awaiting_approval' && task.status !== 'interrupted') {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} is ${task.status}; only a task awaiting approval resumes, or an interrupted one`,
    );
  }
  if (task.status === 'interrupted' && task.resumableUntil === null) {
    throw new UserError('task-not-resumable', `task ${taskId} was interrupted and its workspace is gone`, {
      hint: 'start it again with `warden run`',
    });
  }
  return task;
}
