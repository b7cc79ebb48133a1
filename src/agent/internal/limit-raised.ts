import { UserError } from '../../spec/errors.ts';
import type { Task } from '../../spec/types.ts';
import type { LimitChange, TaskLimits } from '../task-limits.ts';

/**
 * Checks that a task stopped by a limit resumes under a raised one: without it the task would stop
 * again at once, and a limit is raised only on purpose (`--allow-loosen`, journaled as `limits-changed`).
 * Wall time is per run and a daily budget renews each day: those resume as they are.
 *
 * @throws UserError `task-not-resumable` naming the flag that raises the limit.
 */
export function checkLimitRaised(task: Task, limits: TaskLimits, changes: readonly LimitChange[]): void {
  const loosened = (field: string) =>
    changes.some((change) => change.field === field && change.kind === 'loosen');
  if (task.stopReason === 'max-steps' && !(loosened('maxSteps') && limits.maxSteps > task.steps)) {
    throw new UserError(
      'task-not-resumable',
      `task ${task.id} stopped at its limit of ${limits.maxSteps} model calls; resuming it needs a higher one`,
      { hint: `warden resume ${task.id} --max-steps ${task.steps + 10} --allow-loosen` },
    );
  }
  if (
    task.stopReason === 'budget' &&
    !(loosened('maxUsd') && (limits.maxUsd === null || limits.maxUsd > task.costUsd))
  ) {
    throw new UserError(
      'task-not-resumable',
      `task ${task.id} stopped at its budget of $${limits.maxUsd ?? 'none'} ($${task.costUsd.toFixed(4)} spent); resuming it needs a higher one`,
      {
        hint: `warden resume ${task.id} --max-usd ${Math.max(1, Math.ceil(task.costUsd * 2))} --allow-loosen`,
      },
    );
  }
}
