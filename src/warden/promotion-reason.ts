import { UserError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { PullState } from '../spec/pull-outcome-store.ts';
import type { Task } from '../spec/types.ts';

/** Why a production task is worth an eval instance. */
export type PromotionReason = 'failed' | 'check-failed' | 'rejected' | 'reverted' | 'human-changed';

/** What the forge says became of the task's pull request, as far as promotion needs it. */
export interface PullFate {
  state: PullState;
  humanCommits: number;
  /** The merge commit, for a merged pull request. */
  mergeCommit: string | null;
  /** The forge's name of the repository (`owner/name` on GitHub); absent when unknown. */
  repository?: string | undefined;
}

const QUALIFIES =
  'a task that failed (or stopped or ended unverified after its check failed), or whose pull request was rejected, reverted, or merged only after a human changed it';

/**
 * Why `task` qualifies for promotion: it failed; it stopped or ended unverified after its last check
 * failed; or its pull request was rejected, reverted, or accepted only after a human committed to it.
 *
 * @throws UserError `usage` saying why it does not, and what does.
 */
export function promotionReason(
  task: Task,
  events: readonly JournalEvent[],
  pull: PullFate | undefined,
): { reason: PromotionReason; explanation: string } {
  if (pull?.state === 'rejected') {
    return { reason: 'rejected', explanation: 'its pull request was closed without being merged' };
  }
  if (pull?.state === 'reverted') {
    return { reason: 'reverted', explanation: 'its pull request was merged, then reverted' };
  }
  if (pull?.state === 'accepted-after-changes' && pull.humanCommits > 0) {
    return {
      reason: 'human-changed',
      explanation: `its pull request was merged after ${pull.humanCommits} human commit(s) on its branch`,
    };
  }
  if (task.status === 'failed') {
    return { reason: 'failed', explanation: `it failed (${task.stopReason ?? 'no stop reason'})` };
  }
  const lastCheck = events.findLast((event) => event.type === 'check');
  const checkFailed = task.stopReason === 'check-failed' || lastCheck?.passed === false;
  if ((task.status === 'stopped' || task.status === 'unverified') && checkFailed) {
    return {
      reason: 'check-failed',
      explanation: `it ended ${task.status} (${task.stopReason ?? 'no stop reason'}) after its check failed`,
    };
  }
  throw new UserError('usage', `task ${task.id} cannot be promoted: ${whyNot(task, pull)}`, {
    hint: `promote ${QUALIFIES}`,
  });
}

function whyNot(task: Task, pull: PullFate | undefined): string {
  if (task.status === 'running' || task.status === 'awaiting_approval' || task.status === 'interrupted') {
    return `it has not ended (${task.status})`;
  }
  const pullText =
    pull === undefined
      ? 'no outcome of a pull request is recorded for it'
      : pull.state === 'accepted-after-changes'
        ? 'its pull request was merged after changes were requested, with no human commit on its branch'
        : pull.state === 'open'
          ? 'its pull request is still open'
          : 'its pull request was accepted first pass';
  const statusText =
    task.status === 'stopped' || task.status === 'unverified'
      ? `${task.status} without a failed check`
      : task.status;
  return `it ended ${statusText}${task.stopReason ? ` (${task.stopReason})` : ''} and ${pullText}`;
}

/** What `contextOf` (forge-context.ts) appends to a triggered task's text, each after a blank line. */
const CONTEXT_STARTS = [
  "The pull request's diff:\n\n<<untrusted ",
  'The log of the failed job "',
  'No job of the run is marked failed; its logs were not read.',
  "The failed jobs' logs could not be read: ",
] as const;

/**
 * The task's text as the operator (or the event's issue, pull request, workflow) gave it: a triggered
 * task's prompt without the forge context appended to it at its start (a diff, failed jobs' logs),
 * which an eval instance must not carry as if the operator had written it.
 */
export function operatorText(prompt: string, triggered: boolean): string {
  if (!triggered) return prompt;
  // A diff's lines all start with a prefix character, so its marker is found from the end; a log can
  // hold anything, while the texts such logs follow are one line, so its markers are found from the start.
  const diff = prompt.lastIndexOf(`\n\n${CONTEXT_STARTS[0]}`);
  if (diff >= 0) return prompt.slice(0, diff);
  const cuts = CONTEXT_STARTS.slice(1)
    .map((start) => prompt.indexOf(`\n\n${start}`))
    .filter((index) => index >= 0);
  return cuts.length === 0 ? prompt : prompt.slice(0, Math.min(...cuts));
}
