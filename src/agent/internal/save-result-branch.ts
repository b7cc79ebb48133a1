import { createSecretScanner, describeSecretFinding, type SecretScanner } from '../../guard/index.ts';
import type { Journal } from '../../journal/index.ts';
import type { BranchResult, ChangeScreen, Workspace } from '../../sandbox/index.ts';
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
  /** What the change is scanned with before it lands (see `screenForSecrets`); undefined: the defaults. */
  scanner?: SecretScanner | undefined;
  /** The user's repository, for allowances bound to it; undefined: those never apply. */
  repo?: string | undefined;
}

/**
 * The branch (null when the agent changed nothing), why it could not be saved, or why it was blocked
 * (a secret in the change: no branch).
 */
export type ResultBranch =
  | { branch: BranchResult | null }
  | { branch: null; failure: string }
  | { branch: null; blocked: string };

/**
 * The result branch: commits whatever the agent changed in the workspace as `warden/<task-id>` in the
 * user's repository and journals it (`branch-created`), once the secret scan passed the lines it adds.
 * A change with a secret is journaled (`secret-detected`, without the secret), makes no branch and is
 * reported as `blocked`. A branch that cannot be saved (or scanned) is journaled as an `error` and
 * reported as `failure`, for the task to end `error` on; it never throws.
 */
export async function saveResultBranch(settings: ResultBranchSettings): Promise<ResultBranch> {
  const { journal, taskId } = settings;
  try {
    const screen = screenForSecrets({
      journal,
      taskId,
      scanner: settings.scanner ?? createSecretScanner(),
      repo: settings.repo,
      where: 'the change',
    });
    const branch = await settings.workspace.createBranch(
      taskId,
      commitMessage(taskId, settings.prompt, settings.status),
      { screen: screen.screen },
    );
    if (screen.blocked() !== undefined) return { branch: null, blocked: screen.blocked()! };
    if (branch) await journal.append(taskId, 'branch-created', { ...branch });
    return { branch };
  } catch (error) {
    const failure = `the change could not be saved as a branch: ${describeError(error)}`;
    await journal.append(taskId, 'error', { source: 'branch', message: failure, code: errorCode(error) });
    return { branch: null, failure };
  }
}

/**
 * A screen (for `createBranch` or `landBranch`) that scans the lines a change adds and, on a finding,
 * journals `secret-detected` and keeps the change out; `blocked()` then says why, naming file and line.
 */
export function screenForSecrets(settings: {
  journal: Journal;
  taskId: string;
  scanner: SecretScanner;
  repo?: string | undefined;
  where: string;
}): { screen: ChangeScreen; blocked: () => string | undefined } {
  let blocked: string | undefined;
  return {
    blocked: () => blocked,
    async screen(added) {
      const findings = await settings.scanner.scanLines(added, { repo: settings.repo });
      if (findings.length === 0) return true;
      await settings.journal.append(settings.taskId, 'secret-detected', { where: 'branch', findings });
      const first = findings.slice(0, 3).map(describeSecretFinding).join('; ');
      const more = findings.length > 3 ? ` and ${findings.length - 3} more` : '';
      blocked = `${settings.where} was not saved: the secret scan found ${findings.length === 1 ? 'a secret' : `${findings.length} secrets`}: ${first}${more} (remove it, or allow it by fingerprint in agent.secretAllow)`;
      return false;
    },
  };
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
