import { randomUUID } from 'node:crypto';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  SpendEntry,
  SpendEntryRow,
  SpendReservation,
  SpendReserveOutcome,
  SpendStore,
  SpendTotals,
  SpendWindow,
  UnreadableSpendEntry,
} from '../spec/spend-store.ts';
import { utcDay } from '../spec/spend-store.ts';
import { immediateTransaction } from './internal/immediate-transaction.ts';
import {
  checkAmounts,
  checkEntry,
  MAX_CALL_NANOS,
  MAX_CALL_TOKENS,
  NANOS_PER_USD,
  toEntry,
} from './internal/spend-amounts.ts';
import { Statements } from './internal/statements.ts';

import { storedCount } from './stored-count.ts';

export { MAX_CALL_NANOS, MAX_CALL_TOKENS, NANOS_PER_USD };

/** Spent and held amounts of one window, as stored. */
interface WindowAmounts {
  spentNanos: number;
  spentTokens: number;
  heldNanos: number;
  heldTokens: number;
}

type Row = Record<string, SQLInputValue>;

/**
 * The spend ledger in the shared SQLite file. `reserve` checks and holds every window in one immediate
 * transaction, so concurrent tasks — in this process or in others on the same file — can never together
 * pass a limit; `settle` releases the hold and books the real cost. Every transaction runs synchronously
 * inside its method (the promise is settled after it committed), so nothing else runs while it is open.
 * Construct with the open database of a `SqliteStore` (`store.database`); the constructor does no I/O.
 */
export class SqliteSpendStore implements SpendStore {
  readonly #db: DatabaseSync;
  readonly #statements: Statements;

  constructor(database: DatabaseSync) {
    this.#db = database;
    this.#statements = new Statements(database);
  }

  /**
   * Holds `usd` and `tokens` in every window, or refuses when any window's spent plus held plus this
   * request would pass its limit. Reservations older than `ttlMs` are released first (a crashed worker
   * must not hold budget forever). A window with a limit whose stored totals cannot be read refuses
   * (fails closed); one without a limit has nothing to enforce and is only added to.
   *
   * @throws SystemError `spend-out-of-range` when the amounts are not within 0 and the per-call caps,
   *   `store-failed` when the database cannot be written.
   */
  async reserve(request: {
    windows: readonly SpendWindow[];
    usd: number;
    tokens: number;
    now: Date;
    ttlMs: number;
  }): Promise<SpendReserveOutcome> {
    const nanos = Math.ceil(request.usd * NANOS_PER_USD);
    const tokens = Math.ceil(request.tokens);
    checkAmounts('reservation', nanos, tokens);
    return this.#transaction(() => {
      this.#releaseExpired(request.now);
      for (const window of request.windows) {
        const current = this.#window(window.scope, window.window);
        if (current === undefined) {
          if (window.limitUsd === null && window.limitTokens === null) continue;
          return refusal(window, 'unreadable', 0, window.limitUsd ?? window.limitTokens ?? 0);
        }
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
        this.#statements
          .get(
            `INSERT INTO spend_windows (scope, window, held_nanos, held_tokens) VALUES (?, ?, ?, ?)
             ON CONFLICT (scope, window) DO UPDATE SET held_nanos = held_nanos + excluded.held_nanos,
               held_tokens = held_tokens + excluded.held_tokens`,
          )
          .run(window.scope, window.window, nanos, tokens);
      }
      this.#statements
        .get(
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
   * @throws SystemError `spend-out-of-range` when an amount or a count of the entry is not an integer
   *   within 0 and the per-call caps (nothing is booked then), `store-failed` when the database cannot
   *   be written.
   */
  async settle(
    reservation: SpendReservation,
    actual: { usd: number; tokens: number },
    entry?: SpendEntry,
    now = new Date(),
  ): Promise<void> {
    const nanos = Math.round(actual.usd * NANOS_PER_USD);
    const tokens = Math.round(actual.tokens);
    checkAmounts('booking', nanos, tokens);
    if (entry) checkEntry(entry);
    this.#transaction(() => {
      const row = this.#statements
        .get('SELECT state FROM spend_reservations WHERE id = ?')
        .get(reservation.id) as { state: string } | undefined;
      if (row?.state === 'settled' || this.#booked(reservation.id)) return;
      const stillHeld = row?.state === 'held';
      for (const window of reservation.windows) {
        this.#statements
          .get(
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
      if (entry) this.#insertEntry(reservation.id, entry, nanos, tokens, now);
      // The entry (or, for a call that cost nothing, the absence of any hold) now answers "was it settled",
      // so the row goes: the store does not grow a row per model call. A call booked without an entry
      // keeps a `settled` row, the only record that it was booked.
      if (entry || (nanos === 0 && tokens === 0)) {
        this.#statements.get('DELETE FROM spend_reservations WHERE id = ?').run(reservation.id);
      } else {
        this.#statements
          .get(
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
      }
    });
  }

  /**
   * Spent and held in one window, USD and tokens; zeros for a window never used; `undefined` when the
   * stored totals cannot be read (out of range or corrupt: see `warden doctor`).
   */
  async totals(scope: string, window: string): Promise<SpendTotals | undefined> {
    const current = this.#window(scope, window);
    if (current === undefined) return undefined;
    return {
      spentUsd: current.spentNanos / NANOS_PER_USD,
      spentTokens: current.spentTokens,
      heldUsd: current.heldNanos / NANOS_PER_USD,
      heldTokens: current.heldTokens,
    };
  }

  /**
   * Entries booked at or after `sinceAt` (ISO time) and of `taskId`, oldest first; a filter left undefined
   * matches all. An entry that cannot be read back (an amount out of range or negative, written by an older
   * version) is left out and passed to `onUnreadable`, so one bad row never stops a report.
   */
  async entries(
    filter: { sinceAt?: string; taskId?: string } = {},
    onUnreadable: (entry: UnreadableSpendEntry) => void = () => {},
  ): Promise<SpendEntryRow[]> {
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
    const statement = this.#statements.get(`SELECT * FROM spend_entries ${where} ORDER BY id`);
    statement.setReadBigInts(true);
    const entries: SpendEntryRow[] = [];
    for (const row of statement.all(...parameters) as Row[]) {
      const entry = toEntry(row);
      if (typeof entry !== 'string') {
        entries.push(entry);
        continue;
      }
      onUnreadable({
        id: Number(row.id),
        taskId: (row.task_id as string | null) ?? null,
        day: String(row.day),
        reason: entry,
      });
    }
    return entries;
  }

  #releaseExpired(now: Date): void {
    const statement = this.#statements.get(
      `SELECT id, windows, nanos, tokens FROM spend_reservations WHERE state = 'held' AND expires_at < ?`,
    );
    // Amounts go back to SQLite as read (bigints), never through a number that could throw or round.
    statement.setReadBigInts(true);
    const expired = statement.all(now.toISOString()) as Row[];
    for (const row of expired) {
      for (const window of JSON.parse(row.windows as string) as { scope: string; window: string }[]) {
        this.#statements
          .get(
            `UPDATE spend_windows SET held_nanos = MAX(0, held_nanos - ?), held_tokens = MAX(0, held_tokens - ?)
             WHERE scope = ? AND window = ?`,
          )
          .run(row.nanos ?? 0, row.tokens ?? 0, window.scope, window.window);
      }
      // Released for good: a late settle books the same without the row (it finds nothing held).
      this.#statements.get('DELETE FROM spend_reservations WHERE id = ?').run(row.id as string);
    }
  }

  /** Whether a call was booked with an entry under this reservation. */
  #booked(reservationId: string): boolean {
    return (
      this.#statements
        .get('SELECT 1 FROM spend_entries WHERE reservation_id = ? LIMIT 1')
        .get(reservationId) !== undefined
    );
  }

  /** The window's amounts; zeros when it was never used; `undefined` when one cannot be read exactly. */
  #window(scope: string, window: string): WindowAmounts | undefined {
    const statement = this.#statements.get(
      'SELECT spent_nanos, spent_tokens, held_nanos, held_tokens FROM spend_windows WHERE scope = ? AND window = ?',
    );
    statement.setReadBigInts(true);
    const row = statement.get(scope, window) as Row | undefined;
    if (row === undefined) return { spentNanos: 0, spentTokens: 0, heldNanos: 0, heldTokens: 0 };
    const spentNanos = storedCount(row.spent_nanos);
    const spentTokens = storedCount(row.spent_tokens);
    const heldNanos = storedCount(row.held_nanos);
    const heldTokens = storedCount(row.held_tokens);
    if (
      spentNanos === undefined ||
      spentTokens === undefined ||
      heldNanos === undefined ||
      heldTokens === undefined
    )
      return undefined;
    return { spentNanos, spentTokens, heldNanos, heldTokens };
  }

  #insertEntry(reservationId: string, entry: SpendEntry, nanos: number, tokens: number, now: Date): void {
    this.#statements
      .get(
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
    return immediateTransaction(this.#db, 'the spend ledger', work);
  }

  /**
   * Releases every reservation still held by a task (one whose process died mid-call), in one
   * transaction, so its hold stops counting against the task's and the shared daily windows at once
   * rather than when it expires. Returns how many were released; releasing twice releases once.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  async releaseTaskReservations(taskId: string, now: Date): Promise<number> {
    return this.#transaction(() => {
      const held = this.#statements
        .get(
          `SELECT id, windows, nanos, tokens FROM spend_reservations WHERE state = 'held'
           AND EXISTS (SELECT 1 FROM json_each(spend_reservations.windows) WHERE json_extract(value, '$.scope') = ?)
           AND created_at < ?`,
        )
        .all(`task:${taskId}`, now.toISOString()) as Row[];
      for (const row of held) {
        for (const window of JSON.parse(row.windows as string) as { scope: string; window: string }[]) {
          this.#statements
            .get(
              `UPDATE spend_windows SET held_nanos = MAX(0, held_nanos - ?), held_tokens = MAX(0, held_tokens - ?)
               WHERE scope = ? AND window = ?`,
            )
            .run(row.nanos as number, row.tokens as number, window.scope, window.window);
        }
        this.#statements.get('DELETE FROM spend_reservations WHERE id = ?').run(row.id as string);
      }
      return held.length;
    });
  }
}

function refusal(
  window: SpendWindow,
  limit: 'usd' | 'tokens' | 'unreadable',
  committed: number,
  limitValue: number,
): SpendReserveOutcome {
  return { ok: false, scope: window.scope, window: window.window, limit, committed, limitValue };
}
