import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { SystemError, WardenError } from '../spec/errors.ts';
import type { EventType, JournalEvent } from '../spec/journal-events.ts';
import type { JournalCheckpoint, NewTask, Store, TaskFilter, TaskUpdate } from '../spec/store.ts';
import type { Task, TaskOwner, TaskStatus } from '../spec/types.ts';
import { ensureDirectory } from './ensure-directory.ts';
import { Statements } from './internal/statements.ts';
import { EVENT_COLUMNS, toCheckpoint, toEvent, toTask, UPDATE_COLUMNS } from './internal/store-rows.ts';
import { MIGRATIONS } from './migrations.ts';

type Row = Record<string, SQLInputValue>;

/**
 * The embedded store: one SQLite file through `node:sqlite`, in WAL mode, migrated on open.
 * Construct with `openSqliteStore`, which does the I/O.
 */
export class SqliteStore implements Store {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements: Statements;

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
    this.#statements = new Statements(db);
  }

  /**
   * The open database, for the other SQLite-backed stores of this process (spend ledger, approvals…)
   * that share the file and its migrations. Not for use outside `src/store/`.
   */
  get database(): DatabaseSync {
    return this.#db;
  }

  async createTask(task: NewTask, first?: JournalEvent): Promise<Task> {
    this.#transaction(() => {
      this.#run(
        `INSERT INTO tasks (id, prompt, repo, base_commit, model, requested_by, status, created_at, owner, lease_until)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
        [
          task.id,
          task.prompt,
          task.repo,
          task.baseCommit,
          task.model,
          task.requestedBy,
          task.createdAt,
          task.owner ? JSON.stringify(task.owner) : null,
          task.leaseUntil ?? null,
        ],
      );
      if (first !== undefined) this.#insertFirstEvent(task.id, first);
    });
    return (await this.getTask(task.id))!;
  }

  /** Writes a new task's first event and sets its head, inside the caller's transaction. */
  #insertFirstEvent(taskId: string, event: JournalEvent): void {
    if (event.taskId !== taskId || event.seq !== 1) {
      throw new SystemError(
        'journal-corrupt',
        `task ${taskId} must start with its own event 1, not ${event.seq}`,
      );
    }
    const body: Record<string, unknown> = { ...event };
    for (const column of EVENT_COLUMNS) delete body[column];
    this.#statements
      .get('INSERT INTO events (task_id, seq, type, at, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(event.taskId, event.seq, event.type, event.at, event.prevHash, event.hash, JSON.stringify(body));
    this.#run('UPDATE tasks SET head_seq = ?, head_hash = ? WHERE id = ?', [event.seq, event.hash, taskId]);
  }

  async updateTask(id: string, update: TaskUpdate): Promise<Task> {
    this.#applyUpdate(id, update);
    const task = await this.getTask(id);
    if (!task) throw new SystemError('store-failed', `task ${id} vanished from the store during an update`);
    return task;
  }

  async getTask(id: string): Promise<Task | undefined> {
    const row = this.#statements.get('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  async findTasks(prefix: string): Promise<Task[]> {
    const escaped = prefix.replace(/[\\%_]/g, (char) => `\\${char}`);
    const rows = this.#statements
      .get(`SELECT * FROM tasks WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 20`)
      .all(`${escaped}%`) as Row[];
    return rows.map(toTask);
  }

  async listTasks(filter: TaskFilter = {}): Promise<Task[]> {
    const where = filter.status ? 'WHERE status = ?' : '';
    const parameters: SQLInputValue[] = filter.status ? [filter.status] : [];
    const rows = this.#statements
      .get(`SELECT * FROM tasks ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...parameters, filter.limit ?? 50) as Row[];
    return rows.map(toTask);
  }

  async appendEvent(event: JournalEvent, update: TaskUpdate = {}, fence?: TaskOwner): Promise<Task> {
    const body: Record<string, unknown> = { ...event };
    for (const column of EVENT_COLUMNS) delete body[column];
    const row = this.#transaction(() => {
      if (fence !== undefined) {
        const task = this.#statements.get('SELECT owner FROM tasks WHERE id = ?').get(event.taskId) as
          | Row
          | undefined;
        if (task?.owner !== JSON.stringify(fence)) throw leaseLost(event.taskId);
      }
      const last = this.#statements
        .get('SELECT MAX(seq) AS seq FROM events WHERE task_id = ?')
        .get(event.taskId) as {
        seq: number | null;
      };
      const expected = (last.seq ?? 0) + 1;
      if (event.seq !== expected) {
        throw new SystemError(
          'journal-corrupt',
          `journal of task ${event.taskId}: event seq ${event.seq} is out of order (next is ${expected})`,
        );
      }
      this.#statements
        .get(
          'INSERT INTO events (task_id, seq, type, at, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(event.taskId, event.seq, event.type, event.at, event.prevHash, event.hash, JSON.stringify(body));
      // The head moves and the update applies in one statement, which reads the row back as written.
      const { assignments, values } = assignmentsOf(update);
      return this.#write(
        `UPDATE tasks SET head_seq = ?, head_hash = ?${assignments} WHERE id = ? RETURNING *`,
        [event.seq, event.hash, ...values, event.taskId],
      );
    });
    if (!row) throw new SystemError('store-failed', `task ${event.taskId} vanished from the store`);
    return toTask(row);
  }

  async appendCheckpoint(checkpoint: JournalCheckpoint): Promise<void> {
    const { hash, signature, ...body } = checkpoint;
    this.#transaction(() => {
      const last = this.#statements.get('SELECT MAX(seq) AS seq FROM journal_checkpoints').get() as {
        seq: number | null;
      };
      if (checkpoint.seq !== (last.seq ?? 0) + 1) {
        throw new SystemError(
          'journal-corrupt',
          `checkpoint ${checkpoint.seq} is out of order (next is ${(last.seq ?? 0) + 1})`,
        );
      }
      this.#statements
        .get('INSERT INTO journal_checkpoints (seq, at, body, hash, signature) VALUES (?, ?, ?, ?, ?)')
        .run(checkpoint.seq, checkpoint.at, JSON.stringify(body), hash, signature);
      const seal = this.#statements.get(
        `INSERT INTO journal_sealed_heads (task_id, checkpoint_seq, head_seq, head_hash) VALUES (?, ?, ?, ?)
         ON CONFLICT (task_id) DO UPDATE SET checkpoint_seq = excluded.checkpoint_seq,
           head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
      );
      for (const [taskId, head] of Object.entries(checkpoint.heads)) {
        seal.run(taskId, checkpoint.seq, head.seq, head.hash);
      }
    });
  }

  async latestCheckpoint(): Promise<JournalCheckpoint | undefined> {
    const row = this.#statements.get('SELECT * FROM journal_checkpoints ORDER BY seq DESC LIMIT 1').get() as
      | Row
      | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async latestCheckpointFor(taskId: string): Promise<JournalCheckpoint | undefined> {
    const row = this.#statements
      // From the signed bodies, not the index: an index pointed at an older checkpoint must not hide a newer one.
      .get(
        `SELECT * FROM journal_checkpoints
         WHERE EXISTS (SELECT 1 FROM json_each(journal_checkpoints.body, '$.heads') WHERE key = ?)
         ORDER BY seq DESC LIMIT 1`,
      )
      .get(taskId) as Row | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async tasksChangedSinceCheckpoint(): Promise<Task[]> {
    const rows = this.#statements
      .get(
        `SELECT tasks.* FROM tasks LEFT JOIN journal_sealed_heads ON journal_sealed_heads.task_id = tasks.id
         WHERE tasks.head_seq > 0 AND (journal_sealed_heads.task_id IS NULL
           OR journal_sealed_heads.head_seq != tasks.head_seq OR journal_sealed_heads.head_hash != tasks.head_hash)
         ORDER BY tasks.id`,
      )
      .all() as Row[];
    return rows.map(toTask);
  }

  async listEvents(taskId: string): Promise<JournalEvent[]> {
    const rows = this.#statements
      .get('SELECT * FROM events WHERE task_id = ? ORDER BY seq')
      .all(taskId) as Row[];
    return rows.map(toEvent);
  }

  /** The events of one type of these tasks, in journal order. */
  async eventsOfType(type: EventType, taskIds: readonly string[]): Promise<JournalEvent[]> {
    if (taskIds.length === 0) return [];
    const rows = this.#db
      .prepare(
        `SELECT * FROM events WHERE type = ? AND task_id IN (${taskIds.map(() => '?').join(', ')}) ORDER BY task_id, seq`,
      )
      .all(type, ...taskIds) as Row[];
    return rows.map(toEvent);
  }

  async lastEvent(taskId: string): Promise<JournalEvent | undefined> {
    const row = this.#statements
      .get('SELECT * FROM events WHERE task_id = ? ORDER BY seq DESC LIMIT 1')
      .get(taskId) as Row | undefined;
    return row ? toEvent(row) : undefined;
  }

  async schemaMigrations(): Promise<Array<{ version: number; appliedAt: string }>> {
    const rows = this.#statements
      .get('SELECT version, applied_at FROM schema_migrations ORDER BY version')
      .all() as Row[];
    return rows.map((row) => ({ version: Number(row.version), appliedAt: String(row.applied_at) }));
  }

  async countTasks(): Promise<Partial<Record<TaskStatus, number>>> {
    const rows = this.#statements
      .get('SELECT status, COUNT(*) AS count FROM tasks GROUP BY status')
      .all() as Row[];
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async renewLease(taskId: string, owner: TaskOwner, until: string | null): Promise<boolean> {
    const row = this.#write(
      `UPDATE tasks SET lease_until = ? WHERE id = ? AND lease_until IS NOT NULL AND owner = ? RETURNING id`,
      [until, taskId, JSON.stringify(owner)],
    );
    return row !== undefined;
  }

  async takeLease(taskId: string, owner: TaskOwner, now: string, until: string): Promise<boolean> {
    const row = this.#write(
      `UPDATE tasks SET owner = ?, lease_until = ? WHERE id = ?
       AND (lease_until <= ? OR (lease_until IS NULL AND status IN ('interrupted', 'awaiting_approval'))) RETURNING id`,
      [JSON.stringify(owner), until, taskId, now],
    );
    return row !== undefined;
  }

  async passedLeases(now: string, limit: number): Promise<Task[]> {
    const rows = this.#statements
      .get('SELECT * FROM tasks WHERE lease_until <= ? ORDER BY lease_until LIMIT ?')
      .all(now, limit) as Row[];
    return rows.map(toTask);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #applyUpdate(id: string, update: TaskUpdate): void {
    const { assignments, values } = assignmentsOf(update);
    if (values.length === 0) return;
    this.#run(`UPDATE tasks SET ${assignments.slice(2)} WHERE id = ?`, [...values, id]);
  }

  /** Runs `work` in an immediate transaction; any throw rolls everything back. */
  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #run(sql: string, parameters: SQLInputValue[]): void {
    try {
      this.#statements.get(sql).run(...parameters);
    } catch (error) {
      throw writeFailed(error);
    }
  }

  /** Runs a write that returns the row it wrote (`RETURNING`); `undefined` when it wrote none. */
  #write(sql: string, parameters: SQLInputValue[]): Row | undefined {
    try {
      return this.#statements.get(sql).get(...parameters) as Row | undefined;
    } catch (error) {
      throw writeFailed(error);
    }
  }
}

/**
 * Opens (creating if needed) the SQLite store at `path` and applies pending migrations.
 * Throws `SystemError('store-failed')` when the file cannot be opened or migrated.
 */
export function openSqliteStore(path: string): SqliteStore {
  try {
    if (path !== ':memory:') ensureDirectory(dirname(path));
    const db = new DatabaseSync(path, { timeout: 5_000 });
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    migrate(db);
    return new SqliteStore(path, db);
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw new SystemError('store-failed', `cannot open the store at ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function migrate(db: DatabaseSync): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new SystemError(
      'store-failed',
      `the store was written by a newer Warden (schema ${current}, this one knows ${MIGRATIONS.length})`,
      { hint: 'upgrade Warden, or point --data-dir at another directory' },
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        version,
        new Date().toISOString(),
      );
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}

function leaseLost(taskId: string): SystemError {
  return new SystemError(
    'lease-lost',
    `task ${taskId} is another worker's now: this one's lease passed and the task was taken over`,
  );
}

function writeFailed(error: unknown): SystemError {
  return new SystemError('store-failed', `store write failed: ${(error as Error).message}`, { cause: error });
}

/**
 * The `SET` assignments of the fields `update` sets, each as `, column = ?` so they can follow others,
 * and their values in order; both empty when it sets none.
 */
function assignmentsOf(update: TaskUpdate): { assignments: string; values: SQLInputValue[] } {
  let assignments = '';
  const values: SQLInputValue[] = [];
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    assignments += `, ${UPDATE_COLUMNS[key as keyof TaskUpdate]} = ?`;
    values.push(key === 'owner' && value !== null ? JSON.stringify(value) : (value as SQLInputValue));
  }
  return { assignments, values };
}
