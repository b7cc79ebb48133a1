/**
 * The tasks and their hash-chained journal events, signed checkpoints and the newest head each task was
 * sealed at: the shape of SQLite's migrations 0001 and 0005 together. Ids and times compare bytewise
 * (`COLLATE "C"`) so listings order as SQLite's do whatever the database's locale. An event's body is
 * `TEXT`, not `jsonb`: it is read back exactly as written, so its hash verifies byte for byte.
 */
export const TASKS_EVENTS_AND_CHECKPOINTS = `CREATE TABLE tasks (
     id TEXT COLLATE "C" PRIMARY KEY,
     prompt TEXT NOT NULL,
     repo TEXT NOT NULL,
     base_commit TEXT NOT NULL,
     model TEXT NOT NULL,
     requested_by TEXT NOT NULL,
     status TEXT NOT NULL,
     stop_reason TEXT,
     branch TEXT,
     steps INTEGER NOT NULL DEFAULT 0,
     cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
     created_at TEXT COLLATE "C" NOT NULL,
     ended_at TEXT,
     head_seq BIGINT NOT NULL DEFAULT 0,
     head_hash TEXT NOT NULL DEFAULT '${'0'.repeat(64)}',
     owner TEXT,
     resumable_until TEXT
   );
   CREATE INDEX tasks_created_at ON tasks (created_at);
   CREATE INDEX tasks_status ON tasks (status);
   CREATE TABLE events (
     task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id),
     seq BIGINT NOT NULL,
     type TEXT NOT NULL,
     at TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (task_id, seq)
   );
   CREATE INDEX events_type_at ON events (type, at);
   CREATE TABLE journal_checkpoints (
     seq BIGINT PRIMARY KEY,
     at TEXT NOT NULL,
     body TEXT NOT NULL,
     hash TEXT NOT NULL,
     signature TEXT NOT NULL
   );
   CREATE TABLE journal_sealed_heads (
     task_id TEXT COLLATE "C" PRIMARY KEY REFERENCES tasks (id),
     checkpoint_seq BIGINT NOT NULL REFERENCES journal_checkpoints (seq),
     head_seq BIGINT NOT NULL,
     head_hash TEXT NOT NULL
   );`;
