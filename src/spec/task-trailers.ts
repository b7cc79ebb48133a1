/** The git trailer that names the task behind a commit or a pull request. */
export const TASK_TRAILER = 'Warden-Task';
/** The git trailer that says how to see what the task did. */
export const TRACE_TRAILER = 'Warden-Trace';

/**
 * The trailer lines Warden writes at the end of every commit message and pull request body it makes,
 * so `git log --grep`, `git interpret-trailers` and the audit find a change's task again. One place
 * writes them: a commit and its pull request always name the task the same way.
 */
export function taskTrailers(taskId: string): string {
  return [`${TASK_TRAILER}: ${taskId}`, `${TRACE_TRAILER}: warden trace ${taskId}`].join('\n');
}
