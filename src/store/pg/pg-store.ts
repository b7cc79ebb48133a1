import pg, { type Pool, type PoolClient } from 'pg';
import { SystemError, UserError } from '../../spec/errors.ts';
import type { EventType, JournalEvent } from '../../spec/journal-events.ts';
import type { JournalCheckpoint, NewTask, Store, TaskFilter, TaskUpdate } from '../../spec/store.ts';
import type { Task, TaskOwner, TaskStatus } from '../../spec/types.ts';
import { EVENT_COLUMNS, toCheckpoint, toEvent, toTask, UPDATE_COLUMNS } from '../internal/store-rows.ts';
import { pgFailure, redactUrl } from './pg-errors.ts';
import { migratePg } from './pg-migrate.ts';

type Row = Record<string, unknown>;

/** SQLSTATE of a unique violation: a racing writer inserted the same key first. */
const UNIQUE_VIOLATION = '23505';

/**
 * The fleet store: tasks, journal events and checkpoints in PostgreSQL, with the semantics of
 * `SqliteStore`. Appends to one task are serialised by a row lock on the task, so writers in any number
 * of processes cannot fork a chain. Construct with `openPgStore`, which connects and migrates.
 */
export class PgStore implements Store {
  readonly #pool: Pool;
  readonly #url: string;
  #closed = false;

  constructor(pool: Pool, url: string) {
    this.#pool = pool;
    this.#url = url;
  }

  /**
   * The pool, for the other PostgreSQL stores of the same database (`PgSpendStore`, `PgBreakerStore`):
   * not for use outside src/store/. Ended by `close`.
   */
  get pool(): Pool {
    return this.#pool;
  }

  async createTask(task: NewTask, first?: JournalEvent): Promise<Task> {
    const values = [
      task.id,
      task.prompt,
      task.repo,
      task.baseCommit,
      task.model,
      task.requestedBy,
      task.createdAt,
      task.owner ? JSON.stringify(task.owner) : null,
      task.leaseUntil ?? null,
    ];
    const insert = `INSERT INTO tasks (id, prompt, repo, base_commit, model, requested_by, status, created_at, owner, lease_until)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9) RETURNING *`;
    if (first === undefined)
      return toTask((await this.#one(insert, values, `cannot create task ${task.id}`))!);
    if (first.taskId !== task.id || first.seq !== 1) {
      throw new SystemError(
        'journal-corrupt',
        `task ${task.id} must start with its own event 1, not ${first.seq}`,
      );
    }
    const body: Record<string, unknown> = { ...first };
    for (const column of EVENT_COLUMNS) delete body[column];
    // The row and its first event in one transaction: a process killed in between leaves neither.
    const row = await this.#transaction(`cannot create task ${task.id}`, async (client) => {
      await client.query(insert, values);
      await client.query(
        'INSERT INTO events (task_id, seq, type, at, prev_hash, hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [first.taskId, first.seq, first.type, first.at, first.prevHash, first.hash, JSON.stringify(body)],
      );
      const updated = await client.query(
        'UPDATE tasks SET head_seq = $1, head_hash = $2 WHERE id = $3 RETURNING *',
        [first.seq, first.hash, task.id],
      );
      return updated.rows[0] as Row | undefined;
    });
    if (!row) throw new SystemError('store-failed', `task ${task.id} vanished from the store`);
    return toTask(row);
  }

  async updateTask(id: string, update: TaskUpdate): Promise<Task> {
    const { assignments, values } = assignmentsOf(update, 2);
    const row = assignments
      ? await this.#one(`UPDATE tasks SET ${assignments.slice(2)} WHERE id = $1 RETURNING *`, [id, ...values])
      : await this.#one('SELECT * FROM tasks WHERE id = $1', [id]);
    if (!row) throw new SystemError('store-failed', `task ${id} vanished from the store during an update`);
    return toTask(row);
  }

  async getTask(id: string): Promise<Task | undefined> {
    const row = await this.#one('SELECT * FROM tasks WHERE id = $1', [id]);
    return row ? toTask(row) : undefined;
  }

  async findTasks(prefix: string): Promise<Task[]> {
    const escaped = prefix.replace(/[\\%_]/g, (char) => `\\${char}`);
    const rows = await this.#all(
      `SELECT * FROM tasks WHERE id LIKE $1 ESCAPE '\\' ORDER BY created_at DESC LIMIT 20`,
      [`${escaped}%`],
    );
    return rows.map(toTask);
  }

  async listTasks(filter: TaskFilter = {}): Promise<Task[]> {
    const rows = filter.status
      ? await this.#all('SELECT * FROM tasks WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2', [
          filter.status,
          filter.limit ?? 50,
        ])
      : await this.#all('SELECT * FROM tasks ORDER BY created_at DESC, id DESC LIMIT $1', [
          filter.limit ?? 50,
        ]);
    return rows.map(toTask);
  }

  async appendEvent(event: JournalEvent, update: TaskUpdate = {}, fence?: TaskOwner): Promise<Task> {
    const body: Record<string, unknown> = { ...event };
    for (const column of EVENT_COLUMNS) delete body[column];
    const row = await this.#transaction(
      `cannot append event ${event.seq} of task ${event.taskId}`,
      async (client) => {
        // The row lock makes a second writer of this task wait here until the first commits, then see its event.
        const task = await client.query<{ owner: string | null }>(
          'SELECT owner FROM tasks WHERE id = $1 FOR UPDATE',
          [event.taskId],
        );
        if (task.rowCount === 0) {
          throw new UserError('task-not-found', `journal of task ${event.taskId}: no such task in the store`);
        }
        if (fence !== undefined && task.rows[0]?.owner !== JSON.stringify(fence)) {
          throw new SystemError(
            'lease-lost',
            `task ${event.taskId} is another worker's now: this one's lease passed and the task was taken over`,
          );
        }
        const last = await client.query<{ seq: string | null }>(
          'SELECT MAX(seq) AS seq FROM events WHERE task_id = $1',
          [event.taskId],
        );
        const expected = Number(last.rows[0]?.seq ?? 0) + 1;
        if (event.seq !== expected) throw outOfOrder(event.taskId, event.seq, expected);
        await client.query(
          'INSERT INTO events (task_id, seq, type, at, prev_hash, hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [event.taskId, event.seq, event.type, event.at, event.prevHash, event.hash, JSON.stringify(body)],
        );
        const { assignments, values } = assignmentsOf(update, 3);
        const updated = await client.query(
          `UPDATE tasks SET head_seq = $1, head_hash = $2${assignments} WHERE id = $${values.length + 3} RETURNING *`,
          [event.seq, event.hash, ...values, event.taskId],
        );
        return updated.rows[0] as Row | undefined;
      },
    ).catch((error: unknown) => {
      throw (error as { code?: string }).code === UNIQUE_VIOLATION
        ? outOfOrder(event.taskId, event.seq, Number.NaN)
        : error;
    });
    if (!row) throw new SystemError('store-failed', `task ${event.taskId} vanished from the store`);
    return toTask(row);
  }

  async appendCheckpoint(checkpoint: JournalCheckpoint): Promise<void> {
    const { hash, signature, ...body } = checkpoint;
    await this.#transaction(`cannot store checkpoint ${checkpoint.seq}`, async (client) => {
      // One checkpoint writer at a time across processes: the lock is held until this transaction ends.
      await client.query('LOCK TABLE journal_checkpoints IN EXCLUSIVE MODE');
      const last = await client.query<{ seq: string | null }>(
        'SELECT MAX(seq) AS seq FROM journal_checkpoints',
      );
      const next = Number(last.rows[0]?.seq ?? 0) + 1;
      if (checkpoint.seq !== next) {
        throw new SystemError(
          'journal-corrupt',
          `checkpoint ${checkpoint.seq} is out of order (next is ${next})`,
        );
      }
      await client.query(
        'INSERT INTO journal_checkpoints (seq, at, body, hash, signature) VALUES ($1, $2, $3, $4, $5)',
        [checkpoint.seq, checkpoint.at, JSON.stringify(body), hash, signature],
      );
      for (const [taskId, head] of Object.entries(checkpoint.heads)) {
        await client.query(
          `INSERT INTO journal_sealed_heads (task_id, checkpoint_seq, head_seq, head_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT (task_id) DO UPDATE SET checkpoint_seq = excluded.checkpoint_seq,
             head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
          [taskId, checkpoint.seq, head.seq, head.hash],
        );
      }
    });
  }

  async latestCheckpoint(): Promise<JournalCheckpoint | undefined> {
    const row = await this.#one('SELECT * FROM journal_checkpoints ORDER BY seq DESC LIMIT 1', []);
    return row ? toCheckpoint(row) : undefined;
  }

  async latestCheckpointFor(taskId: string): Promise<JournalCheckpoint | undefined> {
    // From the signed bodies, not the index: an index pointed at an older checkpoint must not hide a newer one.
    const row = await this.#one(
      `SELECT * FROM journal_checkpoints WHERE (body::jsonb -> 'heads') ? $1 ORDER BY seq DESC LIMIT 1`,
      [taskId],
    );
    return row ? toCheckpoint(row) : undefined;
  }

  async tasksChangedSinceCheckpoint(): Promise<Task[]> {
    const rows = await this.#all(
      `SELECT tasks.* FROM tasks LEFT JOIN journal_sealed_heads ON journal_sealed_heads.task_id = tasks.id
       WHERE tasks.head_seq > 0 AND (journal_sealed_heads.task_id IS NULL
         OR journal_sealed_heads.head_seq <> tasks.head_seq OR journal_sealed_heads.head_hash <> tasks.head_hash)
       ORDER BY tasks.id`,
      [],
    );
    return rows.map(toTask);
  }

  async listEvents(taskId: string): Promise<JournalEvent[]> {
    const rows = await this.#all('SELECT * FROM events WHERE task_id = $1 ORDER BY seq', [taskId]);
    return rows.map(toEvent);
  }

  /** The events of one type of these tasks, in journal order (as `SqliteStore.eventsOfType`). */
  async eventsOfType(type: EventType, taskIds: readonly string[]): Promise<JournalEvent[]> {
    if (taskIds.length === 0) return [];
    const rows = await this.#all(
      'SELECT * FROM events WHERE type = $1 AND task_id = ANY($2::text[]) ORDER BY task_id, seq',
      [type, [...taskIds]],
    );
    return rows.map(toEvent);
  }

  async lastEvent(taskId: string): Promise<JournalEvent | undefined> {
    const row = await this.#one('SELECT * FROM events WHERE task_id = $1 ORDER BY seq DESC LIMIT 1', [
      taskId,
    ]);
    return row ? toEvent(row) : undefined;
  }

  async schemaMigrations(): Promise<Array<{ version: number; appliedAt: string }>> {
    const rows = await this.#all('SELECT version, applied_at FROM schema_migrations ORDER BY version', []);
    return rows.map((row) => ({ version: Number(row.version), appliedAt: String(row.applied_at) }));
  }

  async countTasks(): Promise<Partial<Record<TaskStatus, number>>> {
    const rows = await this.#all('SELECT status, COUNT(*) AS count FROM tasks GROUP BY status', []);
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async renewLease(taskId: string, owner: TaskOwner, until: string | null): Promise<boolean> {
    const row = await this.#one(
      `UPDATE tasks SET lease_until = $1 WHERE id = $2 AND lease_until IS NOT NULL AND owner = $3 RETURNING id`,
      [until, taskId, JSON.stringify(owner)],
      `cannot renew the lease of task ${taskId}`,
    );
    return row !== undefined;
  }

  async takeLease(taskId: string, owner: TaskOwner, now: string, until: string): Promise<boolean> {
    const row = await this.#one(
      `UPDATE tasks SET owner = $1, lease_until = $2 WHERE id = $3
       AND (lease_until <= $4 OR (lease_until IS NULL AND status IN ('interrupted', 'awaiting_approval'))) RETURNING id`,
      [JSON.stringify(owner), until, taskId, now],
      `cannot take over the lease of task ${taskId}`,
    );
    return row !== undefined;
  }

  async passedLeases(now: string, limit: number): Promise<Task[]> {
    const rows = await this.#all(
      'SELECT * FROM tasks WHERE lease_until <= $1 ORDER BY lease_until LIMIT $2',
      [now, limit],
    );
    return rows.map(toTask);
  }

  /** Ends the pool; later calls fail. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #all(sql: string, parameters: unknown[], what = 'store query failed'): Promise<Row[]> {
    try {
      return (await this.#pool.query(sql, parameters)).rows as Row[];
    } catch (error) {
      throw pgFailure(error, what, this.#url);
    }
  }

  async #one(sql: string, parameters: unknown[], what?: string): Promise<Row | undefined> {
    return (await this.#all(sql, parameters, what))[0];
  }

  /** Runs `work` in one transaction on one connection; any throw rolls everything back. */
  async #transaction<T>(what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw pgFailure(error, what, this.#url);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection whose rollback failed is broken: destroy it rather than return it to the pool.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(rolledBack ? undefined : true);
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw error;
      throw pgFailure(error, what, this.#url);
    }
  }
}

/**
 * Connects to the PostgreSQL database at `url` (`postgres://` or `postgresql://`, as libpq takes it:
 * `postgresql://user@/db?host=/run/postgresql` for a Unix socket) and applies pending migrations.
 * Throws `UserError('usage')` for a URL that is not a PostgreSQL one, and `SystemError('store-failed')`
 * when the server cannot be reached, refuses the user, or holds a schema newer than this Warden knows.
 */
export async function openPgStore(url: string): Promise<PgStore> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UserError('usage', `not a PostgreSQL URL: ${redactUrl(url)}`, {
      hint: 'use postgres://user:password@host:5432/database or postgresql://user@/database?host=/socket/dir',
    });
  }
  let pool: Pool;
  try {
    pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  } catch (error) {
    throw new UserError(
      'usage',
      `cannot read the PostgreSQL URL ${redactUrl(url)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // An idle connection the server drops must not crash the process: the next query reports it instead.
  pool.on('error', () => {});
  try {
    await migratePg(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw pgFailure(error, 'cannot open the PostgreSQL store', url);
  }
  return new PgStore(pool, url);
}

function outOfOrder(taskId: string, seq: number, expected: number): SystemError {
  const next = Number.isNaN(expected) ? 'another writer appended it first' : `next is ${expected}`;
  return new SystemError(
    'journal-corrupt',
    `journal of task ${taskId}: event seq ${seq} is out of order (${next})`,
  );
}

/**
 * The `SET` assignments of the fields `update` sets, each as `, column = $n` numbered from `first`, and
 * their values in order; both empty when it sets none.
 */
function assignmentsOf(update: TaskUpdate, first: number): { assignments: string; values: unknown[] } {
  let assignments = '';
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    assignments += `, ${UPDATE_COLUMNS[key as keyof TaskUpdate]} = $${first + values.length}`;
    values.push(key === 'owner' && value !== null ? JSON.stringify(value) : value);
  }
  return { assignments, values };
}
