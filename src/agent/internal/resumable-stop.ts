import type { StopReason } from '../../spec/types.ts';

/**
 * The stops a task can be resumed from once the limit is raised: its workspace is kept (no branch yet)
 * for `recovery.keepInterruptedHours`. A breaker, a stuck loop or a failure is not a limit to raise.
 */
export const RESUMABLE_STOPS: ReadonlySet<StopReason> = new Set<StopReason>([
  'max-steps',
  'wall-time',
  'budget',
  'budget-daily',
]);
