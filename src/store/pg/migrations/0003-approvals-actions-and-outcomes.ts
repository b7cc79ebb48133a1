/**
 * The approval inbox, the action records (one per idempotency key), the local forge's pull requests and
 * their comments, the model batches calls wait on, how each task ended, the webhook deliveries and what
 * became of Warden's pull requests: the shape of SQLite's migrations 0002 (`task_outcomes`), 0003, 0004,
 * 0008, 0009 and 0010. Ids and times that are compared or sorted are `COLLATE "C"`, so they order and
 * compare bytewise as in SQLite whatever the database's locale; joins name the collation too, so they
 * hold against tables another migration made. `seq` stands in for SQLite's rowid where a listing breaks
 * ties by insertion order. Counts are integers, as in SQLite (`early_exit` is 0 or 1).
 */
export const APPROVALS_ACTIONS_AND_OUTCOMES = `CREATE TABLE approvals (
     id TEXT COLLATE "C" PRIMARY KEY,
     seq BIGINT GENERATED ALWAYS AS IDENTITY,
     task_id TEXT COLLATE "C" NOT NULL,
     kind TEXT NOT NULL,
     tool TEXT NOT NULL,
     input TEXT NOT NULL,
     reasons TEXT NOT NULL,
     policy_ids TEXT NOT NULL,
     content_hash TEXT COLLATE "C" NOT NULL,
     created_at TEXT COLLATE "C" NOT NULL,
     expires_at TEXT COLLATE "C" NOT NULL,
     status TEXT NOT NULL,
     decided_by TEXT,
     decided_at TEXT,
     decision_reason TEXT
   );
   CREATE INDEX approvals_task_content ON approvals (task_id, content_hash, created_at);
   CREATE INDEX approvals_status_created ON approvals (status, created_at);
   CREATE TABLE actions (
     key TEXT COLLATE "C" PRIMARY KEY,
     task_id TEXT COLLATE "C" NOT NULL,
     action TEXT NOT NULL,
     parameters TEXT NOT NULL,
     status TEXT NOT NULL,
     result TEXT,
     error TEXT,
     started_at TEXT COLLATE "C" NOT NULL,
     ended_at TEXT
   );
   CREATE INDEX actions_task ON actions (task_id, started_at);
   CREATE TABLE pull_requests (
     repository TEXT COLLATE "C" NOT NULL,
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
   );
   CREATE TABLE pull_request_comments (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     repository TEXT COLLATE "C" NOT NULL,
     number INTEGER NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX pull_request_comments_pr ON pull_request_comments (repository, number, id);
   CREATE TABLE model_batches (
     request_hash TEXT COLLATE "C" PRIMARY KEY,
     vendor TEXT NOT NULL,
     batch_id TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at TEXT NOT NULL,
     ended_at TEXT
   );
   CREATE TABLE task_outcomes (
     task_id TEXT COLLATE "C" PRIMARY KEY,
     outcome TEXT NOT NULL,
     agent TEXT,
     team TEXT,
     early_exit INTEGER NOT NULL DEFAULT 0,
     day TEXT COLLATE "C" NOT NULL,
     at TEXT COLLATE "C" NOT NULL
   );
   CREATE INDEX task_outcomes_day ON task_outcomes (day);
   CREATE INDEX task_outcomes_at ON task_outcomes (at);
   CREATE TABLE webhook_deliveries (
     delivery_id TEXT COLLATE "C" PRIMARY KEY,
     source TEXT NOT NULL,
     event TEXT NOT NULL,
     repository TEXT COLLATE "C",
     subject TEXT COLLATE "C",
     received_at TEXT COLLATE "C" NOT NULL,
     outcome TEXT NOT NULL,
     task_id TEXT COLLATE "C",
     replays INTEGER NOT NULL DEFAULT 0,
     last_replay_at TEXT,
     occurred_at TEXT
   );
   CREATE INDEX webhook_deliveries_started ON webhook_deliveries (repository, received_at)
     WHERE outcome = 'started';
   CREATE TABLE pull_outcomes (
     task_id TEXT COLLATE "C" PRIMARY KEY,
     repository TEXT COLLATE "C" NOT NULL,
     number INTEGER NOT NULL,
     url TEXT NOT NULL,
     opened_at TEXT COLLATE "C" NOT NULL,
     state TEXT NOT NULL,
     changes_requested INTEGER NOT NULL DEFAULT 0,
     human_commits INTEGER NOT NULL DEFAULT 0,
     merge_commit TEXT COLLATE "C",
     closed_at TEXT,
     reverted_at TEXT
   );
   CREATE INDEX pull_outcomes_merge_commit ON pull_outcomes (repository, merge_commit);`;
