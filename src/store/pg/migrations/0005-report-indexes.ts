const MAX_SAFE_INTEGER = 9_007_199_254_740_991;

/** The amount columns of `spend_entries`, each of which must be a count in 0..2^53 for the row to be read. */
const COUNTS = [
  'usd_nanos',
  'tokens',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
];

/**
 * True when every amount of a `spend_entries` row is a count in 0..2^53 (`top_tier_nanos` may be NULL);
 * word for word the condition `PgReportStore` sums under, so the planner matches its negation to the index.
 */
const READABLE = `(${[...COUNTS, 'top_tier_nanos']
  .map((column) => {
    const inRange = `${column} BETWEEN 0 AND ${MAX_SAFE_INTEGER}`;
    return column === 'top_tier_nanos' ? `(${column} IS NULL OR ${inRange})` : inRange;
  })
  .join(' AND ')})`;

/**
 * The index the cost report names its unreadable spend entries through: PostgreSQL keeps every entry and
 * a report sums them, and the few rows an operator or an older version wrote out of range are then found
 * here, by time, without a second pass over the period (SQLite's `spend_entries_unreadable` of its
 * migration 0007). Normally empty.
 */
export const REPORT_INDEXES = `CREATE INDEX spend_entries_unreadable ON spend_entries (at) WHERE NOT ${READABLE};`;
