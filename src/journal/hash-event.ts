import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The `prevHash` of a task's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of an event without its own `hash`. Fields whose
 * value is `undefined` are dropped first, exactly as they are when the event is stored.
 */
export function hashEvent(event: object): string {
  const { hash: _ignored, ...rest } = event as { hash?: unknown };
  const canonical = canonicalize(JSON.parse(JSON.stringify(rest)));
  return createHash('sha256')
    .update(canonical ?? '')
    .digest('hex');
}
