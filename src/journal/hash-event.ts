import { canonicalHash } from '../spec/canonical-hash.ts';

/** The `prevHash` of a task's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of an event without its own `hash` (`canonicalHash`).
 * Fields whose value is `undefined` are dropped first, exactly as they are when the event is stored.
 */
export function hashEvent(event: object): string {
  const { hash: _ignored, ...rest } = event as { hash?: unknown };
  return canonicalHash(rest);
}
