import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The RFC 8785 canonical JSON of a value as it would be stored: it goes through `JSON.stringify` first,
 * so fields whose value is `undefined` are dropped and `toJSON` applies. `undefined` itself reads as
 * `null`. The same value gives the same text on every machine and every run.
 */
export function canonicalJson(value: unknown): string {
  const stored: unknown = JSON.parse(JSON.stringify(value ?? null));
  return canonicalize(stored) ?? 'null';
}

/**
 * SHA-256 (hex) of {@link canonicalJson}: the one content hash of Warden. The journal's hash chain,
 * actions' idempotency keys and approvals' content hashes are all this function, so a value hashes the
 * same wherever it is hashed.
 */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
