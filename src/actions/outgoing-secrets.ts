import type { SecretFinding, SecretScanner } from '../guard/index.ts';
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
      // A push carries a result branch, scanned when it was made; a deploy or a review request, no text.
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
