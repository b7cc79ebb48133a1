import type { ApprovalRequest } from '../spec/approvals.ts';
import type { Warden } from '../warden/index.ts';
import type { TaskQueue } from './task-queue.ts';

/** What a decision did: the request as decided, and whether its task was queued to go on. */
export interface DecidedApproval {
  approval: ApprovalRequest;
  /** True when the task waited on this request alone and its resume was queued. */
  resumed: boolean;
}

/**
 * Decides one pending approval request, then queues its task's resume on the server's queue, as
 * `warden serve` resumes interrupted tasks: the JSON API and the dashboard both decide through here, so
 * an approval (or a denial, which the model is told of) lets the task go on either way. The task is
 * queued only when it waits for approval, no other request of it is pending, and the queue does not
 * hold it already; a draining server queues nothing (the next `warden resume` continues it).
 *
 * @throws UserError `approval-not-found` and the other errors of `Warden.decideApproval`.
 */
export async function decideApproval(
  warden: Warden,
  queue: TaskQueue,
  id: string,
  decision: { approve: boolean; by: string; reason?: string | undefined },
): Promise<DecidedApproval> {
  const approval = await warden.decideApproval(id, decision);
  const task = await warden.findTask(approval.taskId);
  if (task.status !== 'awaiting_approval') return { approval, resumed: false };
  const pending = await warden.approvals();
  if (pending.some((request) => request.taskId === task.id)) return { approval, resumed: false };
  const queued = queue.find(task.id);
  if (queued && (queued.state === 'queued' || queued.state === 'running'))
    return { approval, resumed: false };
  return { approval, resumed: queue.add(task.id) };
}

/**
 * Whether a task that has just paused goes on at once: it waits for approval and none of its requests
 * is pending any more (a human decided while it was still pausing, when `decideApproval` could not
 * queue it yet).
 */
export async function decidedWhilePausing(warden: Warden, taskId: string): Promise<boolean> {
  const task = await warden.findTask(taskId);
  if (task.status !== 'awaiting_approval') return false;
  const pending = await warden.approvals();
  return !pending.some((request) => request.taskId === taskId);
}
