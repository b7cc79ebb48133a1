import type { SQLInputValue } from 'node:sqlite';
import { SystemError } from '../../spec/errors.ts';
import { NANOS_PER_USD, type SpendEntry, type SpendEntryRow } from '../../spec/spend-store.ts';
import { storedCount } from '../stored-count.ts';

export { NANOS_PER_USD };

/**
 * Most one reservation or booked call may hold, in nano-dollars ($100,000) and in tokens (10^12). Far
 * above any real call, far below 2^53: ninety calls at the cap still sum exactly.
 */
export const MAX_CALL_NANOS = 100_000 * NANOS_PER_USD;
export const MAX_CALL_TOKENS = 1_000_000_000_000;

/** A `spend_entries` row as read (with big integers). */
export type SpendRow = Record<string, SQLInputValue>;

/** The amount columns of `spend_entries` that must each hold a stored count for the row to be read. */
export const COUNT_COLUMNS = [
  'usd_nanos',
  'tokens',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
] as const;

const storedCountSql = (column: string) =>
  `(typeof(${column}) = 'integer' AND ${column} BETWEEN 0 AND ${Number.MAX_SAFE_INTEGER})`;

/**
 * A SQL condition on a `spend_entries` row (its columns prefixed with `row`, e.g. `NEW.` in a trigger),
 * true exactly when `toEntry` reads it (every amount an integer between 0 and 2^53), so an aggregate in
 * SQL leaves out the same rows a report in JavaScript would.
 */
export function readableEntrySql(row = ''): string {
  return `(${COUNT_COLUMNS.map((column) => storedCountSql(`${row}${column}`)).join(' AND ')} AND (${row}top_tier_nanos IS NULL OR ${storedCountSql(`${row}top_tier_nanos`)}))`;
}

/** `readableEntrySql()` on the columns of the row itself. */
export const READABLE_ENTRY_SQL = readableEntrySql();

/** The entry of a row read with big integers, or why it cannot be read. */
export function toEntry(row: SpendRow): SpendEntryRow | string {
  const counts = Object.fromEntries(
    COUNT_COLUMNS.map((column) => [column, storedCount(row[column])]),
  ) as Record<(typeof COUNT_COLUMNS)[number], number | undefined>;
  const bad = Object.entries(counts).find(([, value]) => value === undefined);
  if (bad) return `${bad[0]} ${String(row[bad[0]])} is not an integer between 0 and 2^53`;
  const topTier = row.top_tier_nanos === null ? null : storedCount(row.top_tier_nanos);
  if (topTier === undefined)
    return `top_tier_nanos ${String(row.top_tier_nanos)} is not an integer between 0 and 2^53`;
  const count = (name: keyof typeof counts) => counts[name] ?? 0;
  return {
    taskId: (row.task_id as string | null) ?? null,
    agent: (row.agent as string | null) ?? null,
    team: (row.team as string | null) ?? null,
    stage: (row.stage as string | null) ?? null,
    priceKey: row.price_key as string,
    priceTableVersion: row.price_table_version as string,
    tier: (row.tier as string | null) ?? null,
    batch: Number(row.batch) === 1,
    usd: count('usd_nanos') / NANOS_PER_USD,
    tokens: count('tokens'),
    input: count('input_tokens'),
    output: count('output_tokens'),
    cacheRead: count('cache_read_tokens'),
    cacheWrite: count('cache_write_tokens'),
    cacheWrite1h: count('cache_write_1h_tokens'),
    topTierUsd: topTier === null ? null : topTier / NANOS_PER_USD,
    day: row.day as string,
    at: row.at as string,
  };
}

/**
 * Refuses an amount to write that is not an integer within 0 and the per-call caps, so every stored
 * amount, and every sum of a day's, stays exact in a JavaScript number.
 */
export function checkAmounts(what: string, nanos: number, tokens: number): void {
  if (!inRange(nanos, MAX_CALL_NANOS) || !inRange(tokens, MAX_CALL_TOKENS)) {
    throw new SystemError(
      'spend-out-of-range',
      `refusing a ${what} of ${nanos} nano-dollars and ${tokens} tokens: amounts must be integers between 0 and $${MAX_CALL_NANOS / NANOS_PER_USD} and ${MAX_CALL_TOKENS} tokens`,
      { hint: 'this is a bug in the caller: usage must be validated before it is booked' },
    );
  }
}

export function checkEntry(entry: SpendEntry): void {
  const counts = [entry.input, entry.output, entry.cacheRead, entry.cacheWrite, entry.cacheWrite1h];
  const topTier = entry.topTierUsd === null ? 0 : Math.round(entry.topTierUsd * NANOS_PER_USD);
  if (counts.every((count) => inRange(count, MAX_CALL_TOKENS)) && inRange(topTier, Number.MAX_SAFE_INTEGER))
    return;
  throw new SystemError(
    'spend-out-of-range',
    `refusing a spend entry with counts ${counts.join(', ')} and top-tier cost $${entry.topTierUsd}: counts must be integers between 0 and ${MAX_CALL_TOKENS}`,
    { hint: 'this is a bug in the caller: usage must be validated before it is booked' },
  );
}

function inRange(value: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= max;
}
