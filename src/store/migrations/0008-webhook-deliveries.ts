/**
 * Every webhook delivery Warden accepted (its signature verified), by the sender's delivery id, so a
 * replay is recognised and ignored: what it was, its repository and subject (the workflow and branch, the
 * issue), when it came, what became of it (`started`, `ignored` and why, `failed` when its task could
 * not start), the task it started, and how often and when last it was delivered again. The started
 * ones of a repository in the last hour are its rate; those of a subject, its running task.
 */
export const WEBHOOK_DELIVERIES = `CREATE TABLE webhook_deliveries (
     delivery_id TEXT PRIMARY KEY,
     source TEXT NOT NULL,
     event TEXT NOT NULL,
     repository TEXT,
     subject TEXT,
     received_at TEXT NOT NULL,
     outcome TEXT NOT NULL,
     task_id TEXT,
     replays INTEGER NOT NULL DEFAULT 0,
     last_replay_at TEXT
   ) WITHOUT ROWID;
   CREATE INDEX webhook_deliveries_started ON webhook_deliveries (repository, received_at)
     WHERE outcome = 'started';`;
