import type { ActionName } from '../spec/actions.ts';
import { canonicalHash } from '../spec/canonical-hash.ts';

/**
 * The idempotency key of an action: `canonicalHash` (SHA-256 of the canonical JSON) of the task, the
 * action and its parsed parameters. The same action of the same task maps to the same key on every resume.
 */
export function actionIdempotencyKey(taskId: string, action: ActionName, parameters: unknown): string {
  return canonicalHash({ taskId, action, parameters: parameters ?? null });
}
