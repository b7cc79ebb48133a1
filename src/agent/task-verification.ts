import type { JournalEvent } from '../spec/journal-events.ts';
import type { StopReason, TaskStatus, Verification } from '../spec/types.ts';
import { statusOf } from './internal/stop-status.ts';

/**
 * How the task's work was verified: the result of the last `check` it journaled (over all its runs, so
 * a resumed task keeps what an earlier run found), `none` when no check ran.
 */
export function verificationOf(events: readonly JournalEvent[]): Verification {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    // A child's check (a subtask's) verifies the child; the task's own check verifies the task.
    if (event.type === 'check' && event.child === undefined)
      return event.passed === true ? 'passed' : 'failed';
  }
  return 'none';
}

/**
 * The status a task ends with. The model's word alone is not success: a task the model finished
 * `succeeded` only when its check passed, and is `unverified` when no check ran. A finished task that
 * changed nothing and whose check passed was verified on its base commit: `already-done`, not a fix.
 *
 * @param changed whether the task left a change (`undefined`: not known, as with `--no-branch`).
 */
export function taskStatusOf(
  stopReason: StopReason,
  verification: Verification,
  changed: boolean | undefined,
): TaskStatus {
  if (stopReason !== 'finished') return statusOf(stopReason);
  if (verification !== 'passed') return 'unverified';
  return changed === false ? 'already-done' : 'succeeded';
}
