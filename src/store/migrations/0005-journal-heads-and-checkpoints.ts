/**
 * The journal head on the task row (written with every event, so a truncated chain disagrees with its
 * row), the process that owns a running task (so a later start can reap it), how long an interrupted
 * task stays resumable, and signed checkpoints over the heads with an index of the newest head each
 * task was sealed at.
 */
export const JOURNAL_HEADS_AND_CHECKPOINTS = `ALTER TABLE tasks ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tasks ADD COLUMN head_hash TEXT NOT NULL DEFAULT '${'0'.repeat(64)}';
   ALTER TABLE tasks ADD COLUMN owner TEXT;
   ALTER TABLE tasks ADD COLUMN resumable_until TEXT;
   UPDATE tasks SET
     head_seq = COALESCE((SELECT MAX(seq) FROM events WHERE events.task_id = tasks.id), 0),
     head_hash = COALESCE(
       (SELECT hash FROM events WHERE events.task_id = tasks.id ORDER BY seq DESC LIMIT 1),
       head_hash);
   CREATE INDEX tasks_status ON tasks (status);
   CREATE TABLE journal_checkpoints (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     body TEXT NOT NULL,
     hash TEXT NOT NULL,
     signature TEXT NOT NULL
   );
   CREATE TABLE journal_sealed_heads (
     task_id TEXT PRIMARY KEY REFERENCES tasks (id),
     checkpoint_seq INTEGER NOT NULL REFERENCES journal_checkpoints (seq),
     head_seq INTEGER NOT NULL,
     head_hash TEXT NOT NULL
   ) WITHOUT ROWID;`;
