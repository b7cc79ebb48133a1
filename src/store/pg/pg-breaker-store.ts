import type { Pool, PoolClient } from 'pg';
import type {
  BreakerCounter,
  BreakerKind,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  BreakerTransaction,
} from '../../spec/breaker-store.ts';
import { PgQueries, type PgRow } from './pg-queries.ts';

/** The advisory lock every breaker decision of the fleet takes (`"wbrk"`): one decision at a time. */
const BREAKER_LOCK = 0x7762726b;

const LIST_SQL = `SELECT * FROM breakers ORDER BY CASE state WHEN 'closed' THEN 1 ELSE 0 END, updated_at DESC`;
const NOT_CLOSED_SQL = `SELECT * FROM breakers WHERE state <> 'closed' AND scope = ANY($1::text[])`;

/**
 * The circuit breakers of a fleet in PostgreSQL, with the semantics of `SqliteBreakerStore`: every worker
 * process on every machine sees the same open breaker, counts into the same windows and claims the same
 * one half-open probe. A decision (`atomically`) runs in one transaction holding a transaction-scoped
 * advisory lock on one constant key, so decisions never interleave; the reads outside it see committed
 * state. Construct with a pool on a migrated database (`PgStore.pool`); the constructor does no I/O.
 */
export class PgBreakerStore implements BreakerStore {
  readonly #queries: PgQueries;

  constructor(pool: Pool) {
    this.#queries = new PgQueries(pool);
  }

  /**
   * Runs `work` in one transaction under the fleet's breaker lock: no other writer, in any process,
   * between its reads and its writes. A throw rolls everything back. `work` must await nothing but `book`.
   *
   * @throws SystemError `store-failed` when the store cannot be locked or written (nothing is kept then);
   *   a `WardenError` thrown by `work` passes through unchanged.
   */
  atomically<T>(work: (book: BreakerTransaction) => Promise<T>): Promise<T> {
    return this.#queries.transaction('the breaker store', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [BREAKER_LOCK]);
      return work(new PgBreakerBook(client));
    });
  }

  /** Every breaker, open ones first. */
  async list(): Promise<BreakerRecord[]> {
    return (await this.#queries.rows('the breaker store: cannot list', LIST_SQL, [])).map(toRecord);
  }

  /** The breakers of `scopes` that are not closed. */
  async notClosed(scopes: readonly string[]): Promise<BreakerRecord[]> {
    if (scopes.length === 0) return [];
    const rows = await this.#queries.rows('the breaker store: cannot read', NOT_CLOSED_SQL, [[...scopes]]);
    return rows.map(toRecord);
  }
}

/** The reads and writes of one decision, on the connection of its transaction. */
class PgBreakerBook implements BreakerTransaction {
  readonly #client: PoolClient;

  constructor(client: PoolClient) {
    this.#client = client;
  }

  async list(): Promise<BreakerRecord[]> {
    return (await this.#rows(LIST_SQL, [])).map(toRecord);
  }

  async notClosed(scopes: readonly string[]): Promise<BreakerRecord[]> {
    if (scopes.length === 0) return [];
    return (await this.#rows(NOT_CLOSED_SQL, [[...scopes]])).map(toRecord);
  }

  async put(record: BreakerRecord): Promise<void> {
    await this.#rows(
      `INSERT INTO breakers (scope, kind, state, reason, opened_at, closes_at, trips, updated_at, probe_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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

  async get(scope: string, kind: BreakerKind): Promise<BreakerRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM breakers WHERE scope = $1 AND kind = $2', [scope, kind]);
    return row && toRecord(row);
  }

  async counter(scope: string, kind: BreakerKind): Promise<BreakerCounter> {
    const [row] = await this.#rows(
      'SELECT failures, outcomes FROM breaker_counters WHERE scope = $1 AND kind = $2',
      [scope, kind],
    );
    return row
      ? { failures: Number(row.failures), outcomes: String(row.outcomes) }
      : { failures: 0, outcomes: '' };
  }

  async putCounter(scope: string, kind: BreakerKind, counter: BreakerCounter, now: Date): Promise<void> {
    await this.#rows(
      `INSERT INTO breaker_counters (scope, kind, failures, outcomes, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, kind) DO UPDATE SET failures = excluded.failures, outcomes = excluded.outcomes,
         updated_at = excluded.updated_at`,
      [scope, kind, counter.failures, counter.outcomes, now.toISOString()],
    );
  }

  async addTrip(scope: string, source: string, at: Date): Promise<void> {
    await this.#rows(
      `INSERT INTO breaker_trips (scope, source, at) VALUES ($1, $2, $3)
       ON CONFLICT (scope, source) DO UPDATE SET at = excluded.at`,
      [scope, source, at.toISOString()],
    );
  }

  async countTrips(scope: string, since: Date): Promise<number> {
    const [row] = await this.#rows(
      'SELECT COUNT(*) AS trips FROM breaker_trips WHERE scope = $1 AND at >= $2',
      [scope, since.toISOString()],
    );
    return Number(row?.trips ?? 0);
  }

  async forget(scope?: string): Promise<void> {
    if (scope === undefined) {
      await this.#rows('DELETE FROM breaker_counters', []);
      await this.#rows('DELETE FROM breaker_trips', []);
      return;
    }
    await this.#rows('DELETE FROM breaker_counters WHERE scope = $1', [scope]);
    await this.#rows('DELETE FROM breaker_trips WHERE scope = $1', [scope]);
  }

  /** Runs one statement; a failure rejects, and `atomically` rolls back and reports it. */
  async #rows(sql: string, parameters: unknown[]): Promise<PgRow[]> {
    return (await this.#client.query(sql, parameters)).rows as PgRow[];
  }
}

function toRecord(row: PgRow): BreakerRecord {
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
