import type { Journal } from '../../journal/index.ts';
import type { BranchResult, Workspace } from '../../sandbox/index.ts';
import { describeError } from '../../spec/errors.ts';
import { taskTrailers } from '../../spec/task-trailers.ts';
import type { TaskStatus } from '../../spec/types.ts';
import { errorCode } from './error-code.ts';

export interface ResultBranchSettings {
  journal: Journal;
  taskId: string;
  /** The task's prompt: its first line is the commit's subject. */
  prompt: string;
  /** The status the task ends with, stated in the commit message. */
  status: TaskStatus;
  workspace: Workspace;
}

/** The branch (null when the agent changed nothing), or why it could not be saved. */
export type ResultBranch = { branch: BranchResult | null } | { branch: null; failure: string };

/**
 * The result branch: commits whatever the agent changed in the workspace as `warden/<task-id>` in the
 * user's repository and journals it (`branch-created`). A branch that cannot be saved is journaled as
 * an `error` and reported as `failure`, for the task to end `error` on; it never throws.
 */
export async function saveResultBranch(settings: ResultBranchSettings): Promise<ResultBranch> {
  const { journal, taskId } = settings;
  try {
    const branch = await settings.workspace.createBranch(
      taskId,
      commitMessage(taskId, settings.prompt, settings.status),
    );
    if (branch) await journal.append(taskId, 'branch-created', { ...branch });
    return { branch };
  } catch (error) {
    const failure = `the change could not be saved as a branch: ${describeError(error)}`;
    await journal.append(taskId, 'error', { source: 'branch', message: failure, code: errorCode(error) });
    return { branch: null, failure };
  }
}

function commitMessage(taskId: string, prompt: string, status: TaskStatus): string {
  const firstLine = prompt.split('\n')[0]!.trim();
  const subject = firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
  return [
    `warden: ${subject}`,
    '',
    `Change made by a Warden agent (task ${status}).`,
    '',
    taskTrailers(taskId),
  ].join('\n');
}
