import type { JournalEvent } from '../spec/journal-events.ts';
import type { Task } from '../spec/types.ts';

/** Where a task's branch was pushed, as the audit names it: a git remote, and the forge's name for it. */
export interface UndoForge {
  /** The remote to run `git push --delete` against (a bare repository path, or a clone URL). */
  remote: string | null;
  /** `owner/name` on GitHub, or the local forge's name. */
  repository: string;
  /** GitHub's REST API base, for the call that closes a pull request; absent for a local forge. */
  api?: string | undefined;
}

type Step = { what: string; command: string | null; automatic: boolean };

/**
 * How to undo a task, from its journal: revert what reached the default branch (the merge the forge
 * reported, or the task's commits if its branch was merged where Warden could not see), close its pull
 * request, delete its branch on the forge and in the checkout, take back its comments; and say what
 * cannot be undone (deploys, bytes sent out, money spent, comments people read). Commands are exact and
 * quoted for a POSIX shell; `automatic` marks those that need no human judgement to run.
 */
export function undoPlan(
  task: Task,
  events: readonly JournalEvent[],
  changed: { branch: string; baseCommit: string; commit: string } | null,
  merged: string | null,
  forge?: UndoForge | null,
): { steps: Step[]; cannotUndo: string[] } {
  const steps: Step[] = [];
  const cannotUndo: string[] = [];
  const done = events.filter(
    (event): event is JournalEvent<'action-result'> & { status: 'done'; result: unknown } =>
      event.type === 'action-result' && event.status === 'done',
  );
  const pushed = done.find((event) => event.action === 'forge.push');
  const opened = done.find((event) => event.action === 'forge.open_pr');
  const pull = opened?.result as { number?: number; url?: string } | undefined;
  if (merged) {
    steps.push({
      what: `revert the merge of pull request #${pull?.number ?? '?'} on the default branch, in a clone of ${forge?.repository ?? 'the repository'}, then push it for review`,
      command: `git revert --no-edit -m 1 ${merged}`,
      automatic: false,
    });
  } else if (pushed && changed) {
    steps.push({
      what: `if ${changed.branch} was merged without the forge telling Warden, revert its commits on the default branch (in a clone of ${forge?.repository ?? 'the repository'})`,
      command: `git revert --no-edit ${changed.baseCommit}..${changed.commit}`,
      automatic: false,
    });
  }
  if (pull?.number !== undefined) {
    const close = forge?.api
      ? `curl -fsS -X PATCH -H "Authorization: Bearer $GITHUB_TOKEN" ${quote(`${forge.api}/repos/${forge.repository}/pulls/${pull.number}`)} -d '{"state":"closed"}'`
      : null;
    steps.push({
      what: `close pull request #${pull.number}${pull.url ? ` (${pull.url})` : ''} on ${forge?.repository ?? 'the forge'}`,
      command: close,
      automatic: true,
    });
  }
  if (pushed && changed) {
    steps.push({
      what: `delete ${changed.branch} on ${forge?.repository ?? 'the forge'}`,
      command: forge?.remote
        ? `git -C ${quote(task.repo)} push ${quote(forge.remote)} --delete ${quote(changed.branch)}`
        : null,
      automatic: true,
    });
  }
  if (changed) {
    steps.push({
      what: `delete ${changed.branch} in the checkout it was saved to`,
      command: `git -C ${quote(task.repo)} branch -D ${quote(changed.branch)}`,
      automatic: true,
    });
  }
  for (const event of done) {
    if (event.action === 'forge.comment' || event.action === 'forge.review') {
      const url = (event.result as { url?: string } | undefined)?.url ?? '';
      steps.push({
        what: `delete the ${event.action === 'forge.review' ? 'review' : 'comment'} ${url}`.trim(),
        command: null,
        automatic: false,
      });
      cannotUndo.push(
        `people may have read the ${event.action === 'forge.review' ? 'review' : 'comment'} ${url}`.trim(),
      );
    }
    if (event.action === 'deploy') {
      cannotUndo.push(`the deploy (${JSON.stringify(event.result)}): roll it back through the deploy system`);
    }
  }
  const sent = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'net-connect' && event.decision === 'allow' && event.bytesUp > 0) {
      sent.set(event.host, (sent.get(event.host) ?? 0) + event.bytesUp);
    }
  }
  for (const [host, bytes] of sent) cannotUndo.push(`${bytes} bytes sent to ${host} cannot be recalled`);
  if (task.costUsd > 0) cannotUndo.push(`$${task.costUsd.toFixed(4)} spent on model calls`);
  return { steps, cannotUndo };
}

/** An argument for a POSIX shell: as it is when it is plain, else in single quotes. */
function quote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}
