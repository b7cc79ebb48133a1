import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type {
  SpendEntry,
  SpendEntryRow,
  SpendReservation,
  SpendReserveOutcome,
  SpendStore,
  SpendTotals,
  SpendWindow,
  UnreadableSpendEntry,
} from '../../spec/spend-store.ts';
import { utcDay } from '../../spec/spend-store.ts';
import {
  COUNT_COLUMNS,
  checkAmounts,
  checkEntry,
  NANOS_PER_USD,
  type SpendRow,
  toEntry,
} from '../internal/spend-amounts.ts';
import { PgQueries, type PgRow } from './pg-queries.ts';
import {
  amountsOf,
  bigIntOf,
  columnsOf,
  giveBack,
  type Hold,
  insertMissing,
  keyOf,
  lockWindows,
  readWindows,
  sorted,
  takeExpired,
  ZERO,
} from './pg-spend-windows.ts';

/** The first key of the advisory locks that serialise the settling of one reservation (`"spnd"`). */
const SETTLE_LOCK = 0x73706e64;

/**
 * The spend ledger of a fleet in PostgreSQL, with the semantics of `SqliteSpendStore`. A reservation
 * locks the rows of its windows (created first when missing) in one order, `SELECT … FOR UPDATE`, so
 * spent plus held plus the request is checked and held in one step: any number of worker processes on
 * any number of machines can never together pass a limit. Settling one reservation is serialised by an
 * advisory lock on its id, so settling twice books once. Construct with a pool on a migrated database
 * (`PgStore.pool`); the constructor does no I/O.
 */
export class PgSpendStore implements SpendStore {
  readonly #queries: PgQueries;

  constructor(pool: Pool) {
    this.#queries = new PgQueries(pool);
  }

  /**
   * Holds `usd` and `tokens` in every window, or refuses when any window's spent plus held plus this
   * request would pass its limit. Reservations older than `ttlMs` are released first. A window with a
   * limit whose stored totals cannot be read refuses (fails closed); one without is only added to.
   *
   * @throws SystemError `spend-out-of-range` when the amounts are out of range, `store-failed` when the
   *   database cannot be written.
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
    const windows = request.windows.map(({ scope, window }) => ({ scope, window }));
    return this.#queries.transaction('the spend ledger: cannot reserve', async (client) => {
      const expired = await takeExpired(client, request.now);
      await insertMissing(client, windows);
      await lockWindows(client, [...windows, ...expired.flatMap((hold) => hold.windows)]);
      await giveBack(client, expired);
      const current = await readWindows(client, windows);
      for (const window of request.windows) {
        const amounts = current.get(keyOf(window));
        if (amounts === undefined) {
          if (window.limitUsd === null && window.limitTokens === null) continue;
          return refusal(window, 'unreadable', 0, window.limitUsd ?? window.limitTokens ?? 0);
        }
        if (window.limitUsd !== null) {
          const committed = amounts.spentNanos + amounts.heldNanos;
          if (committed + nanos > Math.round(window.limitUsd * NANOS_PER_USD)) {
            return refusal(window, 'usd', committed / NANOS_PER_USD, window.limitUsd);
          }
        }
        if (window.limitTokens !== null) {
          const committed = amounts.spentTokens + amounts.heldTokens;
          if (committed + tokens > window.limitTokens) {
            return refusal(window, 'tokens', committed, window.limitTokens);
          }
        }
      }
      const [scopes, times] = columnsOf(windows);
      await client.query(
        `UPDATE spend_windows SET held_nanos = held_nanos + $1, held_tokens = held_tokens + $2
         WHERE (scope, time_window) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
        [nanos, tokens, scopes, times],
      );
      const id = randomUUID();
      await client.query(
        `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, 'held', $5, $6)`,
        [
          id,
          JSON.stringify(windows),
          nanos,
          tokens,
          request.now.toISOString(),
          new Date(request.now.getTime() + request.ttlMs).toISOString(),
        ],
      );
      return { ok: true as const, reservation: { id, windows, nanos, tokens } };
    });
  }

  /**
   * Releases the reservation and books what the call really cost in every one of its windows, with the
   * call's entry (none for a call that was never made). Settling twice books once, from any process.
   *
   * @throws SystemError `spend-out-of-range` when an amount or a count of the entry is out of range
   *   (nothing is booked then), `store-failed` when the database cannot be written.
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
    await this.#queries.transaction('the spend ledger: cannot settle', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SETTLE_LOCK, reservation.id]);
      const { rows } = await client.query<{ state: string }>(
        'SELECT state FROM spend_reservations WHERE id = $1 FOR UPDATE',
        [reservation.id],
      );
      const state = rows[0]?.state;
      if (state === 'settled') return;
      const booked = await client.query('SELECT 1 FROM spend_entries WHERE reservation_id = $1', [
        reservation.id,
      ]);
      if ((booked.rowCount ?? 0) > 0) return;
      const stillHeld = state === 'held';
      const [scopes, times] = columnsOf(sorted(reservation.windows));
      await client.query(
        `INSERT INTO spend_windows (scope, time_window, spent_nanos, spent_tokens)
         SELECT scope, time_window, $3, $4 FROM unnest($1::text[], $2::text[]) AS w (scope, time_window)
         ORDER BY scope COLLATE "C", time_window COLLATE "C"
         ON CONFLICT (scope, time_window) DO UPDATE SET
           spent_nanos = spend_windows.spent_nanos + excluded.spent_nanos,
           spent_tokens = spend_windows.spent_tokens + excluded.spent_tokens,
           held_nanos = GREATEST(0, spend_windows.held_nanos - $5),
           held_tokens = GREATEST(0, spend_windows.held_tokens - $6)`,
        [scopes, times, nanos, tokens, stillHeld ? reservation.nanos : 0, stillHeld ? reservation.tokens : 0],
      );
      if (entry) await insertEntry(client, reservation.id, entry, nanos, tokens, now);
      // As in SQLite: the entry (or, for a call that cost nothing, the absence of any hold) now answers
      // "was it settled", so the row goes; a call booked without an entry keeps a `settled` row.
      if (entry || (nanos === 0 && tokens === 0)) {
        await client.query('DELETE FROM spend_reservations WHERE id = $1', [reservation.id]);
      } else {
        await client.query(
          `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
           VALUES ($1, $2, $3, $4, 'settled', $5, $5)
           ON CONFLICT (id) DO UPDATE SET state = 'settled'`,
          [
            reservation.id,
            JSON.stringify(reservation.windows),
            reservation.nanos,
            reservation.tokens,
            now.toISOString(),
          ],
        );
      }
    });
  }

  /** Zeros for a window never used; `undefined` when the stored totals cannot be read. */
  async totals(scope: string, window: string): Promise<SpendTotals | undefined> {
    const rows = await this.#queries.rows(
      'the spend ledger: cannot read a window',
      'SELECT * FROM spend_windows WHERE scope = $1 AND time_window = $2',
      [scope, window],
    );
    const amounts = rows[0] === undefined ? ZERO : amountsOf(rows[0]);
    return (
      amounts && {
        spentUsd: amounts.spentNanos / NANOS_PER_USD,
        spentTokens: amounts.spentTokens,
        heldUsd: amounts.heldNanos / NANOS_PER_USD,
        heldTokens: amounts.heldTokens,
      }
    );
  }

  /**
   * Entries booked at or after `sinceAt` (ISO time) and of `taskId`, oldest first; a filter left
   * undefined matches all. An entry that cannot be read back is left out and passed to `onUnreadable`.
   */
  async entries(
    filter: { sinceAt?: string; taskId?: string } = {},
    onUnreadable: (entry: UnreadableSpendEntry) => void = () => {},
  ): Promise<SpendEntryRow[]> {
    const rows = await this.#queries.rows(
      'the spend ledger: cannot read entries',
      `SELECT * FROM spend_entries WHERE ($1::text IS NULL OR at >= $1) AND ($2::text IS NULL OR task_id = $2)
       ORDER BY id`,
      [filter.sinceAt ?? null, filter.taskId ?? null],
    );
    const entries: SpendEntryRow[] = [];
    for (const row of rows) {
      const entry = toEntry(spendRowOf(row));
      if (typeof entry !== 'string') entries.push(entry);
      else
        onUnreadable({
          id: Number(row.id),
          taskId: (row.task_id as string | null) ?? null,
          day: String(row.day),
          reason: entry,
        });
    }
    return entries;
  }

  /**
   * Releases every reservation still held by a task (one whose process died mid-call), in one
   * transaction; returns how many. Releasing twice releases once.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  async releaseTaskReservations(taskId: string, now: Date): Promise<number> {
    return this.#queries.transaction(
      `the spend ledger: cannot release the holds of task ${taskId}`,
      async (client) => {
        const { rows } = await client.query<Hold & { id: string }>(
          `SELECT id, windows, nanos, tokens FROM spend_reservations
         WHERE state = 'held' AND windows @> $1::jsonb AND created_at < $2 ORDER BY id FOR UPDATE`,
          [JSON.stringify([{ scope: `task:${taskId}` }]), now.toISOString()],
        );
        await lockWindows(
          client,
          rows.flatMap((hold) => hold.windows),
        );
        await giveBack(client, rows);
        await client.query('DELETE FROM spend_reservations WHERE id = ANY($1::text[])', [
          rows.map((row) => row.id),
        ]);
        return rows.length;
      },
    );
  }
}

async function insertEntry(
  client: PoolClient,
  reservationId: string,
  entry: SpendEntry,
  nanos: number,
  tokens: number,
  now: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO spend_entries (reservation_id, task_id, agent, team, stage, day, at, price_key,
       price_table_version, tier, batch, usd_nanos, tokens, input_tokens, output_tokens, cache_read_tokens,
       cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
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
      entry.batch,
      nanos,
      tokens,
      entry.input,
      entry.output,
      entry.cacheRead,
      entry.cacheWrite,
      entry.cacheWrite1h,
      entry.topTierUsd === null ? null : Math.round(entry.topTierUsd * NANOS_PER_USD),
    ],
  );
}

/** An entry row in the shape `toEntry` reads (SQLite's: big integers, `batch` as 0 or 1). */
function spendRowOf(row: PgRow): SpendRow {
  const converted: SpendRow = {};
  for (const [column, value] of Object.entries(row)) converted[column] = value as SpendRow[string];
  for (const column of [...COUNT_COLUMNS, 'top_tier_nanos']) converted[column] = bigIntOf(row[column]);
  converted.batch = row.batch === true ? 1 : 0;
  return converted;
}

function refusal(
  window: SpendWindow,
  limit: 'usd' | 'tokens' | 'unreadable',
  committed: number,
  limitValue: number,
): SpendReserveOutcome {
  return { ok: false, scope: window.scope, window: window.window, limit, committed, limitValue };
}
