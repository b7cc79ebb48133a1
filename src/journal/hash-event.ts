import { canonicalHash } from '../spec/canonical-hash.ts';
import type { JournalEvent } from '../spec/types.ts';

/** The `prevHash` of a task's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of an event without its own `hash` (`canonicalHash`).
 * Fields whose value is `undefined` are dropped first, exactly as they are when the event is stored.
 */
export function hashEvent(event: Omit<JournalEvent, 'hash'> | JournalEvent): string {
  const { hash: _ignored, ...rest } = event as JournalEvent;
  return canonicalHash(rest);
}
