import { describeSecretFinding, type SecretFinding, type SecretScanner } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import { readAddedLines, runGit } from '../sandbox/index.ts';
import type { ActionName } from '../spec/actions.ts';
import type { ActionParameters } from './action-parameters.ts';

/** The text an action would post on the forge, each piece named for a finding (`pull request body`). */
export function outgoingText(action: ActionName, parameters: unknown): Array<{ what: string; text: string }> {
  const pieces: Array<{ what: string; text: string | undefined }> = [];
  switch (action) {
    case 'forge.open_pr':
    case 'forge.update_pr': {
      const pull = parameters as ActionParameters['forge.open_pr'] | ActionParameters['forge.update_pr'];
      pieces.push(
        { what: 'pull request title', text: pull.title },
        { what: 'pull request body', text: pull.body },
      );
      break;
    }
    case 'forge.comment':
      pieces.push({ what: 'comment', text: (parameters as ActionParameters['forge.comment']).body });
      break;
    case 'forge.review': {
      const review = parameters as ActionParameters['forge.review'];
      pieces.push({ what: 'review', text: review.body });
      for (const comment of review.comments)
        pieces.push({ what: `review comment on ${comment.path}:${comment.line}`, text: comment.body });
      break;
    }
    default:
      // A push carries commits (`scanPushedCommits`); a deploy or a review request, no text.
      break;
  }
  return pieces.flatMap((piece) => (piece.text ? [{ what: piece.what, text: piece.text }] : []));
}

/** The secrets in the text an action would post (none for an action that posts no text). */
export async function scanOutgoingText(
  scanner: SecretScanner,
  action: ActionName,
  parameters: unknown,
  repo: string | undefined,
): Promise<SecretFinding[]> {
  const findings: SecretFinding[] = [];
  for (const piece of outgoingText(action, parameters))
    findings.push(...(await scanner.scanText(piece.what, piece.text, { repo })));
  return findings;
}

/**
 * The secrets in the lines a push would add to the forge: those of `commit` since it left the default
 * branch (their merge base in the repository at `repo`; its first parent when the default branch is not
 * there). A result branch was scanned when it was made; this catches one changed since (amended by hand,
 * or made by something else). Read from the git directory as data: no work-tree attributes apply.
 */
export async function scanPushedCommits(
  scanner: SecretScanner,
  repo: string,
  commit: string,
  defaultBranch: string,
): Promise<SecretFinding[]> {
  const gitDir = (await runGit(['rev-parse', '--absolute-git-dir'], { cwd: repo })).stdout.trim();
  const base = await runGit(['merge-base', `refs/heads/${defaultBranch}`, commit], {
    cwd: gitDir,
    env: { GIT_DIR: gitDir },
  }).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  if (base === commit) return [];
  return await scanner.scanLines(await readAddedLines(gitDir, commit, base), { repo });
}

/**
 * Why an action is refused for a secret: the text it would post, or the lines it would push, hold one.
 * The finding is journaled (`secret-detected`, without the secret); undefined when there is none.
 */
export async function refuseSecrets(
  settings: {
    scanner: SecretScanner;
    journal?: Journal | undefined;
    workspaceDir?: string | undefined;
    defaultBranch: () => Promise<string>;
  },
  call: { taskId: string; action: ActionName },
  parameters: unknown,
): Promise<string | undefined> {
  const { scanner, workspaceDir } = settings;
  const push = call.action === 'forge.push' ? (parameters as { commit?: string }) : undefined;
  const findings =
    push === undefined
      ? await scanOutgoingText(scanner, call.action, parameters, workspaceDir)
      : push.commit === undefined || workspaceDir === undefined
        ? []
        : await scanPushedCommits(scanner, workspaceDir, push.commit, await settings.defaultBranch());
  if (findings.length === 0) return undefined;
  await settings.journal?.append(call.taskId, 'secret-detected', {
    where: 'action',
    action: call.action,
    findings,
  });
  const what = push === undefined ? 'what it would post' : 'the commits it would push';
  return `the secret scan found a secret in ${what}: ${findings.map(describeSecretFinding).join('; ')}`;
}
