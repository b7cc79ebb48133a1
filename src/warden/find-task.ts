import { UserError } from '../spec/errors.ts';
import type { Store } from '../spec/store.ts';
import type { Task } from '../spec/types.ts';

/**
 * The task with this id, or the only one whose id starts with it.
 *
 * @throws UserError `task-not-found` when none or several match.
 */
export async function findTask(store: Store, idOrPrefix: string): Promise<Task> {
  const exact = await store.getTask(idOrPrefix);
  if (exact) return exact;
  const matches = await store.findTasks(idOrPrefix);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UserError('task-not-found', `no task ${JSON.stringify(idOrPrefix)}`, {
      hint: 'list tasks with `warden tasks`',
    });
  }
  throw new UserError(
    'task-not-found',
    `${JSON.stringify(idOrPrefix)} matches ${matches.length} tasks; give more of the id`,
    {
      hint: matches.map((task) => task.id).join(', '),
    },
  );
}
