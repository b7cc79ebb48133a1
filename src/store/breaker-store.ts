import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';

/** `closed` lets work through; `open` stops it; `half-open` lets one probe through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What tripped a breaker. */
export type BreakerKind = 'spend' | 'tool-errors' | 'provider' | 'loop';

/** One breaker as stored: a scope (`agent:NAME`, `model:KEY`, `fleet`…) and a kind. */
export interface BreakerRecord {
  scope: string;
  kind: BreakerKind;
  state: BreakerState;
  /** Why it last changed state, for people. */
  reason: string;
  /** ISO time it last opened; `null` when it never has. */
  openedAt: string | null;
  /** ISO time an open breaker closes (or turns half-open) by itself; `null` when only a reset closes it. */
  closesAt: string | null;
  /** How many times it has opened. */
  trips: number;
  updatedAt: string;
}

type Row = Record<string, SQLInputValue>;

/**
 * Circuit breakers in the shared SQLite file, so every worker process sees the same open breaker and
 * `warden breakers reset` reaches them all. The constructor does no I/O.
 */
export class SqliteBreakerStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /** Every breaker, open ones first. */
  list(): BreakerRecord[] {
    const rows = this.#db
      .prepare(`SELECT * FROM breakers ORDER BY CASE state WHEN 'closed' THEN 1 ELSE 0 END, updated_at DESC`)
      .all() as Row[];
    return rows.map(toRecord);
  }

  /** The breakers of `scopes` that are not closed. */
  notClosed(scopes: readonly string[]): BreakerRecord[] {
    if (scopes.length === 0) return [];
    const marks = scopes.map(() => '?').join(', ');
    const rows = this.#db
      .prepare(`SELECT * FROM breakers WHERE state != 'closed' AND scope IN (${marks})`)
      .all(...scopes) as Row[];
    return rows.map(toRecord);
  }

  /** Writes a breaker's state (insert or replace). */
  put(record: BreakerRecord): void {
    try {
      this.#db
        .prepare(
          `INSERT INTO breakers (scope, kind, state, reason, opened_at, closes_at, trips, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (scope, kind) DO UPDATE SET state = excluded.state, reason = excluded.reason,
             opened_at = excluded.opened_at, closes_at = excluded.closes_at, trips = excluded.trips,
             updated_at = excluded.updated_at`,
        )
        .run(
          record.scope,
          record.kind,
          record.state,
          record.reason,
          record.openedAt,
          record.closesAt,
          record.trips,
          record.updatedAt,
        );
    } catch (error) {
      throw new SystemError('store-failed', `breaker write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The breaker of `scope` and `kind`; `undefined` when it was never written. */
  get(scope: string, kind: BreakerKind): BreakerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM breakers WHERE scope = ? AND kind = ?').get(scope, kind) as
      | Row
      | undefined;
    return row ? toRecord(row) : undefined;
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
  };
}
