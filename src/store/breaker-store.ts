import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  BreakerCounter,
  BreakerKind,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  BreakerTransaction,
} from '../spec/breaker-store.ts';
import { SystemError } from '../spec/errors.ts';
import { SerialTransactions } from './internal/serial-transactions.ts';
import { Statements } from './internal/statements.ts';

type Row = Record<string, SQLInputValue>;

/**
 * Circuit breakers and their counters in the shared SQLite file, so every worker process sees the same
 * open breaker, counts into the same windows and `warden breakers reset` reaches them all. Callers
 * that read, decide and write do it in `atomically`. The constructor does no I/O.
 */
export class SqliteBreakerStore implements BreakerStore {
  readonly #transactions: SerialTransactions;
  readonly #book: SqliteBreakerBook;

  constructor(database: DatabaseSync) {
    this.#transactions = new SerialTransactions(database, 'the breaker store');
    this.#book = new SqliteBreakerBook(database);
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction, after every earlier `atomically` of this store has
   * ended: no other process writes between its reads and its writes, and no other code of this process
   * runs while it is open (see `SerialTransactions`). `work` must await nothing but `book`.
   *
   * @throws SystemError `store-failed` when the store cannot be locked or written (nothing is kept then).
   */
  atomically<T>(work: (book: BreakerTransaction) => Promise<T>): Promise<T> {
    return this.#transactions.run(() => work(this.#book));
  }

  /** Every breaker, open ones first. */
  async list(): Promise<BreakerRecord[]> {
    return this.#book.list();
  }

  /** The breakers of `scopes` that are not closed. */
  async notClosed(scopes: readonly string[]): Promise<BreakerRecord[]> {
    return this.#book.notClosed(scopes);
  }
}

/** The statements of the breaker tables; each runs at once, so an `await` on one never yields to I/O. */
class SqliteBreakerBook implements BreakerTransaction {
  readonly #statements: Statements;

  constructor(database: DatabaseSync) {
    this.#statements = new Statements(database);
  }

  /** Every breaker, open ones first. */
  async list(): Promise<BreakerRecord[]> {
    const rows = this.#statements
      .get(`SELECT * FROM breakers ORDER BY CASE state WHEN 'closed' THEN 1 ELSE 0 END, updated_at DESC`)
      .all() as Row[];
    return rows.map(toRecord);
  }

  /** The breakers of `scopes` that are not closed. */
  async notClosed(scopes: readonly string[]): Promise<BreakerRecord[]> {
    if (scopes.length === 0) return [];
    const marks = scopes.map(() => '?').join(', ');
    const rows = this.#statements
      .get(`SELECT * FROM breakers WHERE state != 'closed' AND scope IN (${marks})`)
      .all(...scopes) as Row[];
    return rows.map(toRecord);
  }

  /** Writes a breaker's state (insert or replace). */
  async put(record: BreakerRecord): Promise<void> {
    this.#run(
      `INSERT INTO breakers (scope, kind, state, reason, opened_at, closes_at, trips, updated_at, probe_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope, kind) DO UPDATE SET state = excluded.state, reason = excluded.reason,
         opened_at = excluded.opened_at, closes_at = excluded.closes_at, trips = excluded.trips,
         updated_at = excluded.updated_at, probe_until = excluded.probe_until`,
      [
        record.scope,
        record.kind,
        record.state,
        record.reason,
        record.openedAt,
        record.closesAt,
        record.trips,
        record.updatedAt,
        record.probeUntil,
      ],
    );
  }

  /** The breaker of `scope` and `kind`; `undefined` when it was never written. */
  async get(scope: string, kind: BreakerKind): Promise<BreakerRecord | undefined> {
    const row = this.#statements
      .get('SELECT * FROM breakers WHERE scope = ? AND kind = ?')
      .get(scope, kind) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** What the breaker of `scope` and `kind` has counted; zero when nothing. */
  async counter(scope: string, kind: BreakerKind): Promise<BreakerCounter> {
    const row = this.#statements
      .get('SELECT failures, outcomes FROM breaker_counters WHERE scope = ? AND kind = ?')
      .get(scope, kind) as Row | undefined;
    return row
      ? { failures: Number(row.failures), outcomes: String(row.outcomes) }
      : { failures: 0, outcomes: '' };
  }

  /** Writes what the breaker of `scope` and `kind` has counted. */
  async putCounter(scope: string, kind: BreakerKind, counter: BreakerCounter, now: Date): Promise<void> {
    this.#run(
      `INSERT INTO breaker_counters (scope, kind, failures, outcomes, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scope, kind) DO UPDATE SET failures = excluded.failures, outcomes = excluded.outcomes,
         updated_at = excluded.updated_at`,
      [scope, kind, counter.failures, counter.outcomes, now.toISOString()],
    );
  }

  /**
   * Records that the breaker of `source` (`task:ID`, `agent:NAME`) opened, as a trip that the wider
   * breaker of `scope` counts; a source counts once, at its latest trip.
   */
  async addTrip(scope: string, source: string, at: Date): Promise<void> {
    this.#run(
      `INSERT INTO breaker_trips (scope, source, at) VALUES (?, ?, ?)
       ON CONFLICT (scope, source) DO UPDATE SET at = excluded.at`,
      [scope, source, at.toISOString()],
    );
  }

  /** How many distinct sources tripped against `scope` at or after `since`. */
  async countTrips(scope: string, since: Date): Promise<number> {
    const row = this.#statements
      .get('SELECT COUNT(*) AS trips FROM breaker_trips WHERE scope = ? AND at >= ?')
      .get(scope, since.toISOString()) as Row;
    return Number(row.trips);
  }

  /** Forgets the counters and trips of `scope`, or of every scope. */
  async forget(scope?: string): Promise<void> {
    if (scope === undefined) {
      this.#run('DELETE FROM breaker_counters', []);
      this.#run('DELETE FROM breaker_trips', []);
      return;
    }
    this.#run('DELETE FROM breaker_counters WHERE scope = ?', [scope]);
    this.#run('DELETE FROM breaker_trips WHERE scope = ?', [scope]);
  }

  #run(sql: string, parameters: SQLInputValue[]): void {
    try {
      this.#statements.get(sql).run(...parameters);
    } catch (error) {
      throw new SystemError('store-failed', `breaker write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function toRecord(row: Row): BreakerRecord {
  return {
    scope: row.scope as string,
    kind: row.kind as BreakerKind,
    state: row.state as BreakerState,
    reason: row.reason as string,
    openedAt: (row.opened_at as string | null) ?? null,
    closesAt: (row.closes_at as string | null) ?? null,
    trips: Number(row.trips),
    updatedAt: row.updated_at as string,
    probeUntil: (row.probe_until as string | null) ?? null,
  };
}
