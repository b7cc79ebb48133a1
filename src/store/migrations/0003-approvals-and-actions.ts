/**
 * The approval inbox, the action records (one per idempotency key) and the pull requests of the local
 * forge. No foreign key to `tasks`: the gateway may record actions for a task another store holds.
 */
export const APPROVALS_AND_ACTIONS = `CREATE TABLE approvals (
     id TEXT PRIMARY KEY,
     task_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     tool TEXT NOT NULL,
     input TEXT NOT NULL,
     reasons TEXT NOT NULL,
     policy_ids TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     status TEXT NOT NULL,
     decided_by TEXT,
     decided_at TEXT,
     decision_reason TEXT
   );
   CREATE INDEX approvals_task_content ON approvals (task_id, content_hash, created_at);
   CREATE INDEX approvals_status_created ON approvals (status, created_at);
   CREATE TABLE actions (
     key TEXT PRIMARY KEY,
     task_id TEXT NOT NULL,
     action TEXT NOT NULL,
     parameters TEXT NOT NULL,
     status TEXT NOT NULL,
     result TEXT,
     error TEXT,
     started_at TEXT NOT NULL,
     ended_at TEXT
   ) WITHOUT ROWID;
   CREATE INDEX actions_task ON actions (task_id, started_at);
   CREATE TABLE pull_requests (
     repository TEXT NOT NULL,
     number INTEGER NOT NULL,
     head TEXT NOT NULL,
     base TEXT NOT NULL,
     title TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     reviewers TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (repository, number)
   ) WITHOUT ROWID;
   CREATE TABLE pull_request_comments (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     repository TEXT NOT NULL,
     number INTEGER NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX pull_request_comments_pr ON pull_request_comments (repository, number, id);`;
