const MAX_SAFE_INTEGER = 9_007_199_254_740_991;

/**
 * True when every amount of the `spend_entries` row `row` (`NEW`, `OLD`, `e`; `''`: the row itself, as
 * the reports write it, so the partial index below serves their query) is an integer in 0..2^53.
 */
function readable(row: string): string {
  const prefix = row === '' ? '' : `${row}.`;
  const count = (column: string) =>
    `(typeof(${prefix}${column}) = 'integer' AND ${prefix}${column} BETWEEN 0 AND ${MAX_SAFE_INTEGER})`;
  const columns = [
    'usd_nanos',
    'tokens',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_write_tokens',
    'cache_write_1h_tokens',
  ];
  return `(${columns.map(count).join(' AND ')} AND (${prefix}top_tier_nanos IS NULL OR ${count('top_tier_nanos')}))`;
}

/** What a rollup row is keyed by besides its day: the call's task, agent, team, model and tier. */
const groupKey = (row: string) =>
  `json_array(${row}.task_id, ${row}.agent, ${row}.team, ${row}.price_key, ${row}.tier)`;

/** Takes the readable entry `OLD` out of its rollup row, which goes when no call is left in it. */
const subtractOld = `UPDATE spend_rollups SET calls = calls - 1, usd_nanos = usd_nanos - OLD.usd_nanos,
       top_tier_nanos = top_tier_nanos - COALESCE(OLD.top_tier_nanos, OLD.usd_nanos),
       input_tokens = input_tokens - OLD.input_tokens, cache_read_tokens = cache_read_tokens - OLD.cache_read_tokens,
       cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
       first_id = COALESCE((SELECT MIN(e.id) FROM spend_entries AS e WHERE e.task_id IS OLD.task_id
         AND e.day = OLD.day AND ${groupKey('e')} = ${groupKey('OLD')} AND ${readable('e')}), first_id)
     WHERE day = OLD.day AND group_key = ${groupKey('OLD')} AND ${readable('OLD')};
     DELETE FROM spend_rollups WHERE day = OLD.day AND group_key = ${groupKey('OLD')} AND calls <= 0;`;

/** Adds the entry `NEW` to its rollup row when it is readable. */
const addNew = `INSERT INTO spend_rollups (day, group_key, task_id, agent, team, price_key, tier, calls, usd_nanos,
       top_tier_nanos, input_tokens, cache_read_tokens, cache_write_tokens, first_id)
     SELECT NEW.day, ${groupKey('NEW')}, NEW.task_id, NEW.agent, NEW.team, NEW.price_key, NEW.tier, 1, NEW.usd_nanos,
       COALESCE(NEW.top_tier_nanos, NEW.usd_nanos), NEW.input_tokens, NEW.cache_read_tokens, NEW.cache_write_tokens,
       NEW.id
     WHERE ${readable('NEW')}
     ON CONFLICT (day, group_key) DO UPDATE SET calls = calls + 1, usd_nanos = usd_nanos + excluded.usd_nanos,
       top_tier_nanos = top_tier_nanos + excluded.top_tier_nanos, input_tokens = input_tokens + excluded.input_tokens,
       cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
       cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
       first_id = MIN(first_id, excluded.first_id);`;

/**
 * Reports aggregated in SQL, and the reservations table compacted.
 *
 * `spend_rollups` sums the readable spend entries per UTC day, task, agent, team, model and tier, with the
 * first entry of each; triggers keep it equal to `spend_entries` whatever writes the entries (a booking,
 * an operator correcting or deleting a row `warden doctor` named), so a report reads one row per task and
 * day instead of one per model call. Indexes serve the period's first day, which is read from the entries.
 *
 * A booked call's entry carries its reservation's id, which is what makes settling twice book once, so a
 * reservation's row is deleted once it is settled (or released, or expired: a later settle books the same
 * with or without that row). Rows settled by an older version are deleted here when their entry exists;
 * one settled without an entry stays, as the only record that it was booked.
 */
export const REPORT_INDEXES_AND_COMPACTION = `CREATE INDEX spend_entries_at ON spend_entries (at);
   CREATE INDEX spend_entries_reservation ON spend_entries (reservation_id);
   CREATE INDEX spend_entries_unreadable ON spend_entries (at) WHERE NOT ${readable('')};
   CREATE INDEX task_outcomes_at ON task_outcomes (at);
   CREATE TABLE spend_rollups (
     day TEXT NOT NULL,
     group_key TEXT NOT NULL,
     task_id TEXT,
     agent TEXT,
     team TEXT,
     price_key TEXT NOT NULL,
     tier TEXT,
     calls INTEGER NOT NULL,
     usd_nanos INTEGER NOT NULL,
     top_tier_nanos INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL,
     cache_read_tokens INTEGER NOT NULL,
     cache_write_tokens INTEGER NOT NULL,
     first_id INTEGER NOT NULL,
     PRIMARY KEY (day, group_key)
   ) WITHOUT ROWID;
   INSERT INTO spend_rollups
     SELECT day, ${groupKey('spend_entries')}, task_id, agent, team, price_key, tier, COUNT(*),
       CAST(TOTAL(usd_nanos) AS INTEGER), CAST(TOTAL(COALESCE(top_tier_nanos, usd_nanos)) AS INTEGER),
       CAST(TOTAL(input_tokens) AS INTEGER), CAST(TOTAL(cache_read_tokens) AS INTEGER),
       CAST(TOTAL(cache_write_tokens) AS INTEGER), MIN(id)
     FROM spend_entries WHERE ${readable('spend_entries')}
     GROUP BY day, ${groupKey('spend_entries')};
   CREATE TRIGGER spend_rollups_insert AFTER INSERT ON spend_entries BEGIN
     ${addNew}
   END;
   CREATE TRIGGER spend_rollups_delete AFTER DELETE ON spend_entries BEGIN
     ${subtractOld}
   END;
   CREATE TRIGGER spend_rollups_update AFTER UPDATE ON spend_entries BEGIN
     ${subtractOld}
     ${addNew}
   END;
   DELETE FROM spend_reservations WHERE state IN ('expired', 'released')
     OR (state = 'settled' AND id IN (SELECT reservation_id FROM spend_entries WHERE reservation_id IS NOT NULL));`;
