/**
 * Every webhook delivery Warden accepted (its signature verified), by the sender's delivery id, so a
 * replay is recognised and ignored: what it was, when it came, what became of it (`started`, `ignored`
 * and why), and the task it started.
 */
export const WEBHOOK_DELIVERIES = `CREATE TABLE webhook_deliveries (
     delivery_id TEXT PRIMARY KEY,
     source TEXT NOT NULL,
     event TEXT NOT NULL,
     received_at TEXT NOT NULL,
     outcome TEXT NOT NULL,
     task_id TEXT
   ) WITHOUT ROWID;`;
