import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';

/**
 * A stored amount (nano-dollars or tokens) as a number, or `undefined` when it cannot be one exactly: not
 * an integer, negative, or beyond 2^53 (a row written by an older version that booked 10^15 tokens). Read
 * the column with `setReadBigInts(true)` so a large INTEGER arrives as a bigint instead of throwing a
 * RangeError inside node:sqlite. `null` is not an amount either.
 */
export function storedCount(value: SQLOutputValue | SQLInputValue | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') {
    return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
