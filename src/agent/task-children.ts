import type { JournalEvent } from '../spec/journal-events.ts';
import type { StopReason, Verification } from '../spec/types.ts';

/** One child of a task (a pipeline stage, an orchestrator's subtask, a swarm's role), as `warden run --json` and `warden trace` show it. */
export interface TaskChild {
  /** `stage:NAME`, `subtask:ID`, `role:NAME`. */
  id: string;
  kind: 'stage' | 'subtask' | 'role';
  name: string;
  /**
   * `passed`; a stage that did not pass `ended-task` (as `stopReason` says); a subtask that did not
   * `failed`; `running` when it never ended; a subtask of the plan that never started (another failed
   * first) `skipped`.
   */
  status: 'passed' | 'ended-task' | 'failed' | 'running' | 'skipped';
  stopReason: StopReason | null;
  steps: number;
  costUsd: number;
  /** Its check's last result; `none` when no check ran in it. */
  verification: Verification;
  detail: string | null;
}

/**
 * The stages a task's journal records, in the order they ran, the subtasks of its plan, in plan order,
 * or its roles, in the order they started.
 */
export function childrenOf(events: readonly JournalEvent[]): TaskChild[] {
  const children: TaskChild[] = [];
  const child = (kind: TaskChild['kind'], name: string): TaskChild => ({
    id: `${kind}:${name}`,
    kind,
    name,
    status: 'running',
    stopReason: null,
    steps: 0,
    costUsd: 0,
    verification: 'none',
    detail: null,
  });
  /** The stage running now: its events are the task's own (a pipeline runs one stage at a time). */
  let stage: TaskChild | undefined;
  const subtasks = new Map<string, TaskChild>();
  for (const event of events) {
    const owner = event.child === undefined ? stage : subtasks.get(event.child);
    if (event.type === 'stage-start') {
      stage = child('stage', event.stage);
      children.push(stage);
    } else if (event.type === 'plan') {
      for (const planned of event.subtasks) {
        const subtask = { ...child('subtask', planned.id), status: 'skipped' as const };
        subtasks.set(subtask.id, subtask);
        children.push(subtask);
      }
    } else if (event.type === 'subtask-start') {
      const subtask = subtasks.get(`subtask:${event.subtask}`);
      if (subtask) subtask.status = 'running';
    } else if (event.type === 'role-start') {
      const role = child('role', event.role);
      subtasks.set(role.id, role);
      children.push(role);
    } else if (event.type === 'check' && owner) {
      owner.verification = event.passed === true ? 'passed' : 'failed';
    } else if (event.type === 'model-response' && owner && owner.kind !== 'stage') {
      owner.costUsd += event.costUsd;
    } else if (event.type === 'stage-end') {
      // A stage a limit stopped and a resume went on with ends again: its last end is what it did.
      stage ??= children.findLast((found) => found.id === `stage:${event.stage}`);
      if (stage === undefined) continue;
      stage.status = event.status;
      stage.stopReason = event.stopReason ?? null;
      stage.steps = event.steps;
      stage.costUsd = event.costUsd;
      stage.detail = event.detail;
      stage = undefined;
    } else if (
      (event.type === 'subtask-end' || event.type === 'role-end') &&
      owner &&
      owner.kind !== 'stage'
    ) {
      owner.status = event.status;
      owner.stopReason = event.status === 'passed' ? null : event.stopReason;
      owner.steps = event.steps;
      owner.detail = event.detail;
    }
  }
  return children;
}
