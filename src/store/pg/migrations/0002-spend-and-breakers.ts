/**
 * The spend ledger and the circuit breakers of a fleet: the shape of SQLite's migrations 0002, 0006 and
 * 0007 (without the report rollups). Money is integer nano-dollars (`BIGINT`), so sums are exact; an
 * amount is not constrained to 0..2^53 here, so a row an operator or an older version wrote out of range
 * is read as unreadable, as SQLite's is, rather than refused by the server. `window` is a reserved word
 * in PostgreSQL: the column is `time_window`.
 *
 * A reservation's windows are `jsonb`, so the reservations of one task are found by containment (its
 * GIN index). A booked call's entry carries its reservation's id, unique: settling twice books once even
 * after the reservation's row was compacted away.
 */
export const SPEND_AND_BREAKERS = `CREATE TABLE spend_windows (
     scope TEXT COLLATE "C" NOT NULL,
     time_window TEXT COLLATE "C" NOT NULL,
     spent_nanos BIGINT NOT NULL DEFAULT 0,
     spent_tokens BIGINT NOT NULL DEFAULT 0,
     held_nanos BIGINT NOT NULL DEFAULT 0,
     held_tokens BIGINT NOT NULL DEFAULT 0,
     PRIMARY KEY (scope, time_window)
   );
   CREATE TABLE spend_reservations (
     id TEXT PRIMARY KEY,
     windows JSONB NOT NULL,
     nanos BIGINT NOT NULL,
     tokens BIGINT NOT NULL,
     state TEXT NOT NULL,
     created_at TEXT COLLATE "C" NOT NULL,
     expires_at TEXT COLLATE "C" NOT NULL
   );
   CREATE INDEX spend_reservations_expiry ON spend_reservations (expires_at) WHERE state = 'held';
   CREATE INDEX spend_reservations_windows ON spend_reservations USING GIN (windows jsonb_path_ops);
   CREATE TABLE spend_entries (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     reservation_id TEXT,
     task_id TEXT COLLATE "C",
     agent TEXT,
     team TEXT,
     stage TEXT,
     day TEXT COLLATE "C" NOT NULL,
     at TEXT COLLATE "C" NOT NULL,
     price_key TEXT NOT NULL,
     price_table_version TEXT NOT NULL,
     tier TEXT,
     batch BOOLEAN NOT NULL DEFAULT FALSE,
     usd_nanos BIGINT NOT NULL,
     tokens BIGINT NOT NULL,
     input_tokens BIGINT NOT NULL,
     output_tokens BIGINT NOT NULL,
     cache_read_tokens BIGINT NOT NULL,
     cache_write_tokens BIGINT NOT NULL,
     cache_write_1h_tokens BIGINT NOT NULL,
     top_tier_nanos BIGINT
   );
   CREATE UNIQUE INDEX spend_entries_reservation ON spend_entries (reservation_id);
   CREATE INDEX spend_entries_day ON spend_entries (day);
   CREATE INDEX spend_entries_task ON spend_entries (task_id);
   CREATE INDEX spend_entries_at ON spend_entries (at);
   CREATE TABLE breakers (
     scope TEXT COLLATE "C" NOT NULL,
     kind TEXT COLLATE "C" NOT NULL,
     state TEXT NOT NULL,
     reason TEXT NOT NULL,
     opened_at TEXT,
     closes_at TEXT,
     trips INTEGER NOT NULL DEFAULT 0,
     updated_at TEXT COLLATE "C" NOT NULL,
     probe_until TEXT,
     PRIMARY KEY (scope, kind)
   );
   CREATE TABLE breaker_counters (
     scope TEXT COLLATE "C" NOT NULL,
     kind TEXT COLLATE "C" NOT NULL,
     failures INTEGER NOT NULL DEFAULT 0,
     outcomes TEXT NOT NULL DEFAULT '',
     updated_at TEXT NOT NULL,
     PRIMARY KEY (scope, kind)
   );
   CREATE TABLE breaker_trips (
     scope TEXT COLLATE "C" NOT NULL,
     source TEXT COLLATE "C" NOT NULL,
     at TEXT COLLATE "C" NOT NULL,
     PRIMARY KEY (scope, source)
   );`;
