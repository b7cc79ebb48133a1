/**
 * The spend ledger (windows with their spent and held amounts, reservations, one entry per priced model
 * call), task outcomes and circuit breakers. Money is stored in integer nano-dollars so sums are exact.
 */
export const SPEND_AND_BREAKERS = `CREATE TABLE spend_windows (
     scope TEXT NOT NULL,
     window TEXT NOT NULL,
     spent_nanos INTEGER NOT NULL DEFAULT 0,
     spent_tokens INTEGER NOT NULL DEFAULT 0,
     held_nanos INTEGER NOT NULL DEFAULT 0,
     held_tokens INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (scope, window)
   ) WITHOUT ROWID;
   CREATE TABLE spend_reservations (
     id TEXT PRIMARY KEY,
     windows TEXT NOT NULL,
     nanos INTEGER NOT NULL,
     tokens INTEGER NOT NULL,
     state TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX spend_reservations_held ON spend_reservations (state, expires_at);
   CREATE TABLE spend_entries (
     id INTEGER PRIMARY KEY,
     reservation_id TEXT,
     task_id TEXT,
     agent TEXT,
     team TEXT,
     stage TEXT,
     day TEXT NOT NULL,
     at TEXT NOT NULL,
     price_key TEXT NOT NULL,
     price_table_version TEXT NOT NULL,
     tier TEXT,
     batch INTEGER NOT NULL DEFAULT 0,
     usd_nanos INTEGER NOT NULL,
     tokens INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cache_read_tokens INTEGER NOT NULL,
     cache_write_tokens INTEGER NOT NULL,
     cache_write_1h_tokens INTEGER NOT NULL,
     top_tier_nanos INTEGER
   );
   CREATE INDEX spend_entries_day ON spend_entries (day);
   CREATE INDEX spend_entries_task ON spend_entries (task_id);
   CREATE TABLE task_outcomes (
     task_id TEXT PRIMARY KEY,
     outcome TEXT NOT NULL,
     agent TEXT,
     team TEXT,
     early_exit INTEGER NOT NULL DEFAULT 0,
     day TEXT NOT NULL,
     at TEXT NOT NULL
   );
   CREATE INDEX task_outcomes_day ON task_outcomes (day);
   CREATE TABLE breakers (
     scope TEXT NOT NULL,
     kind TEXT NOT NULL,
     state TEXT NOT NULL,
     reason TEXT NOT NULL,
     opened_at TEXT,
     closes_at TEXT,
     trips INTEGER NOT NULL DEFAULT 0,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (scope, kind)
   ) WITHOUT ROWID;`;
