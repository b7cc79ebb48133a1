/** Tasks and their hash-chained journal events. */
export const TASKS_AND_EVENTS = `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     prompt TEXT NOT NULL,
     repo TEXT NOT NULL,
     base_commit TEXT NOT NULL,
     model TEXT NOT NULL,
     requested_by TEXT NOT NULL,
     status TEXT NOT NULL,
     stop_reason TEXT,
     branch TEXT,
     steps INTEGER NOT NULL DEFAULT 0,
     cost_usd REAL NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL,
     ended_at TEXT
   );
   CREATE INDEX tasks_created_at ON tasks (created_at);
   CREATE TABLE events (
     task_id TEXT NOT NULL REFERENCES tasks (id),
     seq INTEGER NOT NULL,
     type TEXT NOT NULL,
     at TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (task_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX events_type_at ON events (type, at);`;
