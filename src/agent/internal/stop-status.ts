import type { StopReason, TaskStatus } from '../../spec/types.ts';

const STATUS_OF: Record<StopReason, TaskStatus> = {
  finished: 'succeeded',
  'max-steps': 'stopped',
  'wall-time': 'stopped',
  budget: 'stopped',
  'budget-daily': 'stopped',
  breaker: 'stopped',
  stuck: 'stopped',
  'check-failed': 'failed',
  'approved-call-failed': 'failed',
  'already-done': 'already-done',
  'not-actionable': 'not-actionable',
  'awaiting-approval': 'awaiting_approval',
  'model-error': 'failed',
  'secret-found': 'blocked',
  error: 'failed',
};

/** The status a task ends (or pauses) with when its run stops for `stopReason`. */
export function statusOf(stopReason: StopReason): TaskStatus {
  return STATUS_OF[stopReason];
}
