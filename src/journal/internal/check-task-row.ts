import type { JournalEvent } from '../../spec/journal-events.ts';
import type { Task, TaskStatus } from '../../spec/types.ts';
import type { JournalState } from '../journal-state.ts';

/** An event that ends a run of the task. */
type RunEnd = JournalEvent<'task-end' | 'task-pause' | 'task-interrupted'>;

/** An event that starts or ends a run of the task: the last of them says where the task stands. */
type Boundary = RunEnd | JournalEvent<'task-start' | 'task-resume'>;

/** The event a task's chain must end with for each status of its row; absent: any event may end it. */
const TERMINAL_EVENT: Partial<Record<TaskStatus, { type: RunEnd['type']; state: JournalState }>> = {
  succeeded: { type: 'task-end', state: 'complete' },
  unverified: { type: 'task-end', state: 'complete' },
  failed: { type: 'task-end', state: 'complete' },
  stopped: { type: 'task-end', state: 'complete' },
  'already-done': { type: 'task-end', state: 'complete' },
  'not-actionable': { type: 'task-end', state: 'complete' },
  blocked: { type: 'task-end', state: 'complete' },
  awaiting_approval: { type: 'task-pause', state: 'paused' },
  interrupted: { type: 'task-interrupted', state: 'interrupted' },
};

const ENDS: ReadonlySet<string> = new Set<RunEnd['type']>(['task-end', 'task-pause', 'task-interrupted']);

const BOUNDARIES: ReadonlySet<string> = new Set<Boundary['type']>([
  'task-end',
  'task-pause',
  'task-interrupted',
  'task-start',
  'task-resume',
]);

const isBoundary = (event: JournalEvent): event is Boundary => BOUNDARIES.has(event.type);
const isRunEnd = (event: Boundary): event is RunEnd => ENDS.has(event.type);

/**
 * What may be journaled after a run ended: delivery through the action gateway (its decisions and
 * results), humans deciding approval requests, and what the forge says became of the pull request.
 */
const AFTER_RUN = new Set([
  'decision',
  'action-result',
  'approval-request',
  'approval-decision',
  'forge-outcome',
  'shadow-result',
  'secret-detected',
  'credential-issued',
  'trigger-attached',
]);

/**
 * Checks that a task row and its (already verified) chain agree: the row's head is the last event, and
 * the last event is the terminal event the row's status calls for, with the same status, steps and cost.
 */
export function checkTaskRow(
  task: Task,
  events: readonly JournalEvent[],
): { state: JournalState } | { brokenAt: number; problem: string } {
  const last = events.at(-1);
  const next = events.length + 1;
  if (task.headSeq !== events.length || (last && task.headHash !== last.hash)) {
    return task.headSeq > events.length
      ? {
          brokenAt: next,
          problem: `truncated: the task row's head is event ${task.headSeq}, the journal has ${events.length}`,
        }
      : {
          brokenAt: task.headSeq,
          problem: `the task row's head (event ${task.headSeq}) is not the last event`,
        };
  }
  if (events[0] && events[0].type !== 'task-start') {
    return { brokenAt: 1, problem: 'the journal does not begin with task-start' };
  }
  const terminal = TERMINAL_EVENT[task.status];
  const boundary = events.findLast(isBoundary);
  if (!terminal) {
    if (boundary && isRunEnd(boundary)) {
      return {
        brokenAt: boundary.seq,
        problem: `the journal ends with ${boundary.type} but the task row says ${task.status}`,
      };
    }
    return { state: 'incomplete' };
  }
  if (boundary?.type !== terminal.type || !isRunEnd(boundary)) {
    return {
      brokenAt: next,
      problem: `truncated: the task is ${task.status} but its journal does not end with ${terminal.type}`,
    };
  }
  const trailing = events.slice(boundary.seq).find((event) => !AFTER_RUN.has(event.type));
  if (trailing) {
    return {
      brokenAt: trailing.seq,
      problem: `${trailing.type} after the task's ${terminal.type}, where only delivery and approvals may follow`,
    };
  }
  const mismatches = [
    boundary.type !== 'task-interrupted' && boundary.status !== task.status
      ? `status ${boundary.status}`
      : '',
    Number(boundary.steps) !== task.steps ? `steps ${String(boundary.steps)}` : '',
    Number(boundary.costUsd) !== task.costUsd ? `cost ${String(boundary.costUsd)}` : '',
  ].filter(Boolean);
  if (mismatches.length > 0) {
    return {
      brokenAt: boundary.seq,
      problem: `the task row disagrees with its ${boundary.type} event (${mismatches.join(', ')})`,
    };
  }
  return { state: terminal.state };
}
