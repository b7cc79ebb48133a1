import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ActionName } from '../spec/actions.ts';

/**
 * The idempotency key of an action: SHA-256 (hex) of the canonical JSON of the task, the action and its
 * parsed parameters. The same action of the same task maps to the same key on every resume.
 */
export function actionIdempotencyKey(taskId: string, action: ActionName, parameters: unknown): string {
  const canonical = canonicalize(
    JSON.parse(JSON.stringify({ taskId, action, parameters: parameters ?? null })),
  );
  return createHash('sha256')
    .update(canonical ?? '')
    .digest('hex');
}
