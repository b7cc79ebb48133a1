import type { ActionName } from '../spec/actions.ts';
import { canonicalHash } from '../spec/canonical-hash.ts';

/**
 * The idempotency key of an action: `canonicalHash` (SHA-256 of the canonical JSON) of the task, the
 * action and its parsed parameters. The same action of the same task maps to the same key on every resume.
 * A pull request is the same one whatever its title and body say: its key is its branches only, so a
 * delivery taken over from a worker that died (its body written again from a journal that has grown
 * since) finds the one already asked for instead of opening another.
 */
export function actionIdempotencyKey(taskId: string, action: ActionName, parameters: unknown): string {
  return canonicalHash({ taskId, action, parameters: identityOf(action, parameters) ?? null });
}

function identityOf(action: ActionName, parameters: unknown): unknown {
  if (action !== 'forge.open_pr' || typeof parameters !== 'object' || parameters === null) return parameters;
  const { head, base } = parameters as { head?: unknown; base?: unknown };
  return { head, base };
}
