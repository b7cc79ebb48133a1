import { randomUUID } from 'node:crypto';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';

/** Nano-dollars per dollar: money is summed as integers so a limit holds to the cent and beyond. */
export const NANOS_PER_USD = 1_000_000_000;

/** One spend window a reservation draws on, with its limits (`null`: no limit). */
export interface SpendWindow {
  /** `task:ID`, `agent:NAME`, `team:NAME` or `fleet`. */
  scope: string;
  /** `all` for a task; the UTC day (`YYYY-MM-DD`) for a daily scope. */
  window: string;
  limitUsd: number | null;
  limitTokens: number | null;
}

/** A worst case held against every window of a request until it is settled. */
export interface SpendReservation {
  readonly id: string;
  readonly windows: readonly { scope: string; window: string }[];
  readonly nanos: number;
  readonly tokens: number;
}

/** What `reserve` answers. On refusal, the first window that would have crossed its limit. */
export type SpendReserveOutcome =
  | { ok: true; reservation: SpendReservation }
  | {
      ok: false;
      scope: string;
      window: string;
      limit: 'usd' | 'tokens';
      /** Spent plus held in the window, in USD or tokens (the unit of `limit`). */
      committed: number;
      limitValue: number;
    };

/** A priced model call, booked when its reservation is settled. */
export interface SpendEntry {
  taskId: string | null;
  agent: string | null;
  team: string | null;
  stage: string | null;
  priceKey: string;
  priceTableVersion: string;
  tier: string | null;
  batch: boolean;
  usd: number;
  tokens: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  /** What the same usage would have cost on the top-tier model; `null` when unknown. */
  topTierUsd: number | null;
}

/** A booked entry as read back. */
export interface SpendEntryRow extends SpendEntry {
  day: string;
  at: string;
}

type Row = Record<string, SQLInputValue>;

/**
 * The spend ledger in the shared SQLite file. `reserve` checks and holds every window in one immediate
 * transaction, so concurrent tasks — in this process or in others on the same file — can never together
 * pass a limit; `settle` releases the hold and books the real cost. Construct with the open database of
 * a `SqliteStore` (`store.database`); the constructor does no I/O.
 */
export class SqliteSpendStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /**
   * Holds `usd` and `tokens` in every window, or refuses when any window's spent plus held plus this
   * request would pass its limit. Reservations older than `ttlMs` are released first (a crashed worker
   * must not hold budget forever).
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  reserve(request: {
    windows: readonly SpendWindow[];
    usd: number;
    tokens: number;
    now: Date;
    ttlMs: number;
  }): SpendReserveOutcome {
    const nanos = Math.ceil(request.usd * NANOS_PER_USD);
    const tokens = Math.ceil(request.tokens);
    return this.#transaction(() => {
      this.#releaseExpired(request.now);
      for (const window of request.windows) {
        const current = this.#window(window.scope, window.window);
        if (window.limitUsd !== null) {
          const limitNanos = Math.round(window.limitUsd * NANOS_PER_USD);
          const committed = current.spentNanos + current.heldNanos;
          if (committed + nanos > limitNanos) {
            return refusal(window, 'usd', committed / NANOS_PER_USD, window.limitUsd);
          }
        }
        if (window.limitTokens !== null) {
          const committed = current.spentTokens + current.heldTokens;
          if (committed + tokens > window.limitTokens) {
            return refusal(window, 'tokens', committed, window.limitTokens);
          }
        }
      }
      const id = randomUUID();
      const windows = request.windows.map(({ scope, window }) => ({ scope, window }));
      for (const window of windows) {
        this.#db
          .prepare(
            `INSERT INTO spend_windows (scope, window, held_nanos, held_tokens) VALUES (?, ?, ?, ?)
             ON CONFLICT (scope, window) DO UPDATE SET held_nanos = held_nanos + excluded.held_nanos,
               held_tokens = held_tokens + excluded.held_tokens`,
          )
          .run(window.scope, window.window, nanos, tokens);
      }
      this.#db
        .prepare(
          `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
           VALUES (?, ?, ?, ?, 'held', ?, ?)`,
        )
        .run(
          id,
          JSON.stringify(windows),
          nanos,
          tokens,
          request.now.toISOString(),
          new Date(request.now.getTime() + request.ttlMs).toISOString(),
        );
      return { ok: true as const, reservation: { id, windows, nanos, tokens } };
    });
  }

  /**
   * Releases the reservation and books what the call really cost in every one of its windows, with the
   * call's entry (none for a call that was never made). Settling twice books once.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  settle(
    reservation: SpendReservation,
    actual: { usd: number; tokens: number },
    entry?: SpendEntry,
    now = new Date(),
  ): void {
    const nanos = Math.round(actual.usd * NANOS_PER_USD);
    const tokens = Math.round(actual.tokens);
    this.#transaction(() => {
      const row = this.#db.prepare('SELECT state FROM spend_reservations WHERE id = ?').get(reservation.id) as
        | { state: string }
        | undefined;
      if (row?.state === 'settled') return;
      const stillHeld = row?.state === 'held';
      for (const window of reservation.windows) {
        this.#db
          .prepare(
            `INSERT INTO spend_windows (scope, window, spent_nanos, spent_tokens) VALUES (?, ?, ?, ?)
             ON CONFLICT (scope, window) DO UPDATE SET
               spent_nanos = spent_nanos + excluded.spent_nanos,
               spent_tokens = spent_tokens + excluded.spent_tokens,
               held_nanos = MAX(0, held_nanos - ?),
               held_tokens = MAX(0, held_tokens - ?)`,
          )
          .run(
            window.scope,
            window.window,
            nanos,
            tokens,
            stillHeld ? reservation.nanos : 0,
            stillHeld ? reservation.tokens : 0,
          );
      }
      this.#db
        .prepare(
          `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
           VALUES (?, ?, ?, ?, 'settled', ?, ?)
           ON CONFLICT (id) DO UPDATE SET state = 'settled'`,
        )
        .run(
          reservation.id,
          JSON.stringify(reservation.windows),
          reservation.nanos,
          reservation.tokens,
          now.toISOString(),
          now.toISOString(),
        );
      if (entry) this.#insertEntry(reservation.id, entry, nanos, tokens, now);
    });
  }

  /** Spent and held in one window, USD and tokens; zeros for a window never used. */
  totals(
    scope: string,
    window: string,
  ): { spentUsd: number; spentTokens: number; heldUsd: number; heldTokens: number } {
    const current = this.#window(scope, window);
    return {
      spentUsd: current.spentNanos / NANOS_PER_USD,
      spentTokens: current.spentTokens,
      heldUsd: current.heldNanos / NANOS_PER_USD,
      heldTokens: current.heldTokens,
    };
  }

  /** Entries booked at or after `sinceAt` (ISO time) and of `taskId`, oldest first; a filter left undefined matches all. */
  entries(filter: { sinceAt?: string; taskId?: string } = {}): SpendEntryRow[] {
    const conditions: string[] = [];
    const parameters: SQLInputValue[] = [];
    if (filter.sinceAt !== undefined) {
      conditions.push('at >= ?');
      parameters.push(filter.sinceAt);
    }
    if (filter.taskId !== undefined) {
      conditions.push('task_id = ?');
      parameters.push(filter.taskId);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.#db
      .prepare(`SELECT * FROM spend_entries ${where} ORDER BY id`)
      .all(...parameters) as Row[];
    return rows.map(toEntry);
  }

  #releaseExpired(now: Date): void {
    const expired = this.#db
      .prepare(
        `SELECT id, windows, nanos, tokens FROM spend_reservations WHERE state = 'held' AND expires_at < ?`,
      )
      .all(now.toISOString()) as Row[];
    for (const row of expired) {
      for (const window of JSON.parse(row.windows as string) as { scope: string; window: string }[]) {
        this.#db
          .prepare(
            `UPDATE spend_windows SET held_nanos = MAX(0, held_nanos - ?), held_tokens = MAX(0, held_tokens - ?)
             WHERE scope = ? AND window = ?`,
          )
          .run(row.nanos as number, row.tokens as number, window.scope, window.window);
      }
      this.#db.prepare(`UPDATE spend_reservations SET state = 'expired' WHERE id = ?`).run(row.id as string);
    }
  }

  #window(scope: string, window: string) {
    const row = this.#db
      .prepare(
        'SELECT spent_nanos, spent_tokens, held_nanos, held_tokens FROM spend_windows WHERE scope = ? AND window = ?',
      )
      .get(scope, window) as Row | undefined;
    return {
      spentNanos: Number(row?.spent_nanos ?? 0),
      spentTokens: Number(row?.spent_tokens ?? 0),
      heldNanos: Number(row?.held_nanos ?? 0),
      heldTokens: Number(row?.held_tokens ?? 0),
    };
  }

  #insertEntry(reservationId: string, entry: SpendEntry, nanos: number, tokens: number, now: Date): void {
    this.#db
      .prepare(
        `INSERT INTO spend_entries (reservation_id, task_id, agent, team, stage, day, at, price_key,
           price_table_version, tier, batch, usd_nanos, tokens, input_tokens, output_tokens, cache_read_tokens,
           cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        reservationId,
        entry.taskId,
        entry.agent,
        entry.team,
        entry.stage,
        utcDay(now),
        now.toISOString(),
        entry.priceKey,
        entry.priceTableVersion,
        entry.tier,
        entry.batch ? 1 : 0,
        nanos,
        tokens,
        entry.input,
        entry.output,
        entry.cacheRead,
        entry.cacheWrite,
        entry.cacheWrite1h,
        entry.topTierUsd === null ? null : Math.round(entry.topTierUsd * NANOS_PER_USD),
      );
  }

  #transaction<T>(work: () => T): T {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw new SystemError('store-failed', `the spend ledger is unavailable: ${(error as Error).message}`, {
        cause: error,
        isRetryable: true,
      });
    }
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      if (error instanceof SystemError) throw error;
      throw new SystemError('store-failed', `spend ledger write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #run(sql: string, parameters: SQLInputValue[]): void {
    try {
      this.#db.prepare(sql).run(...parameters);
    } catch (error) {
      throw new SystemError('store-failed', `spend ledger write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  /**
   * Releases every reservation still held by a task (one whose process died mid-call), in one
   * transaction, so its hold stops counting against the task's and the shared daily windows at once
   * rather than when it expires. Returns how many were released; releasing twice releases once.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  releaseTaskReservations(taskId: string, now: Date): number {
    return this.#transaction(() => {
      const held = this.#db
        .prepare(
          `SELECT id, windows, nanos, tokens FROM spend_reservations WHERE state = 'held'
           AND EXISTS (SELECT 1 FROM json_each(spend_reservations.windows) WHERE json_extract(value, '$.scope') = ?)`,
        )
        .all(`task:${taskId}`) as Row[];
      for (const row of held) {
        for (const window of JSON.parse(row.windows as string) as { scope: string; window: string }[]) {
          this.#db
            .prepare(
              `UPDATE spend_windows SET held_nanos = MAX(0, held_nanos - ?), held_tokens = MAX(0, held_tokens - ?)
               WHERE scope = ? AND window = ?`,
            )
            .run(row.nanos as number, row.tokens as number, window.scope, window.window);
        }
        this.#db
          .prepare(`UPDATE spend_reservations SET state = 'released', expires_at = ? WHERE id = ?`)
          .run(now.toISOString(), row.id as string);
      }
      return held.length;
    });
  }
}

/** The UTC day of `time`, `YYYY-MM-DD`: the window of every daily scope. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

function refusal(
  window: SpendWindow,
  limit: 'usd' | 'tokens',
  committed: number,
  limitValue: number,
): SpendReserveOutcome {
  return { ok: false, scope: window.scope, window: window.window, limit, committed, limitValue };
}

function toEntry(row: Row): SpendEntryRow {
  return {
    taskId: (row.task_id as string | null) ?? null,
    agent: (row.agent as string | null) ?? null,
    team: (row.team as string | null) ?? null,
    stage: (row.stage as string | null) ?? null,
    priceKey: row.price_key as string,
    priceTableVersion: row.price_table_version as string,
    tier: (row.tier as string | null) ?? null,
    batch: Number(row.batch) === 1,
    usd: Number(row.usd_nanos) / NANOS_PER_USD,
    tokens: Number(row.tokens),
    input: Number(row.input_tokens),
    output: Number(row.output_tokens),
    cacheRead: Number(row.cache_read_tokens),
    cacheWrite: Number(row.cache_write_tokens),
    cacheWrite1h: Number(row.cache_write_1h_tokens),
    topTierUsd: row.top_tier_nanos === null ? null : Number(row.top_tier_nanos) / NANOS_PER_USD,
    day: row.day as string,
    at: row.at as string,
  };
}
