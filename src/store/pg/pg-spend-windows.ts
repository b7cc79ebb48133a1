import type { PoolClient } from 'pg';
import { storedCount } from '../stored-count.ts';
import type { PgRow } from './pg-queries.ts';

// The spend windows of `PgSpendStore`: created, locked (always in one order), given back and read.

/** One window of a reservation, as stored in its `windows` (JSON). */
export type WindowKey = { scope: string; window: string };

/** Spent and held amounts of one window, as stored. */
export interface WindowAmounts {
  spentNanos: number;
  spentTokens: number;
  heldNanos: number;
  heldTokens: number;
}

/** A hold to give back: its windows and amounts as stored. */
export interface Hold {
  windows: WindowKey[];
  nanos: string;
  tokens: string;
}

/** The amounts of a window never used. */
export const ZERO: WindowAmounts = { spentNanos: 0, spentTokens: 0, heldNanos: 0, heldTokens: 0 };

/**
 * Deletes the held reservations whose time to live ran out and returns what they held. One being settled
 * or released by another transaction right now is skipped (it is that transaction's to give back).
 */
export async function takeExpired(client: PoolClient, now: Date): Promise<Hold[]> {
  const { rows } = await client.query<Hold>(
    `DELETE FROM spend_reservations WHERE id IN (
       SELECT id FROM spend_reservations WHERE state = 'held' AND expires_at < $1
       ORDER BY id FOR UPDATE SKIP LOCKED)
     RETURNING windows, nanos, tokens`,
    [now.toISOString()],
  );
  return rows;
}

/** Creates the windows that do not exist yet, in the order every transaction locks windows in. */
export async function insertMissing(client: PoolClient, windows: readonly WindowKey[]): Promise<void> {
  const [scopes, times] = columnsOf(sorted(windows));
  await client.query(
    `INSERT INTO spend_windows (scope, time_window)
     SELECT * FROM unnest($1::text[], $2::text[]) AS w (scope, time_window)
     ORDER BY scope COLLATE "C", time_window COLLATE "C"
     ON CONFLICT DO NOTHING`,
    [scopes, times],
  );
}

/**
 * Locks the rows of `windows` until the transaction ends, always in (scope, window) order, so two
 * transactions locking overlapping windows wait for each other instead of deadlocking.
 */
export async function lockWindows(client: PoolClient, windows: readonly WindowKey[]): Promise<void> {
  if (windows.length === 0) return;
  const [scopes, times] = columnsOf(sorted(windows));
  await client.query(
    `SELECT 1 FROM spend_windows WHERE (scope, time_window) IN (SELECT * FROM unnest($1::text[], $2::text[]))
     ORDER BY scope, time_window FOR UPDATE`,
    [scopes, times],
  );
}

/** Takes what `holds` held out of their windows (locked by the caller), never below zero. */
export async function giveBack(client: PoolClient, holds: readonly Hold[]): Promise<void> {
  for (const hold of holds) {
    const [scopes, times] = columnsOf(hold.windows);
    await client.query(
      `UPDATE spend_windows SET held_nanos = GREATEST(0, held_nanos - $1::bigint),
         held_tokens = GREATEST(0, held_tokens - $2::bigint)
       WHERE (scope, time_window) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
      [hold.nanos, hold.tokens, scopes, times],
    );
  }
}

/** The amounts of `windows` by `keyOf`; zeros for one not stored, `undefined` for one not readable. */
export async function readWindows(
  client: PoolClient,
  windows: readonly WindowKey[],
): Promise<Map<string, WindowAmounts | undefined>> {
  const [scopes, times] = columnsOf(windows);
  const { rows } = await client.query<PgRow>(
    `SELECT * FROM spend_windows WHERE (scope, time_window) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [scopes, times],
  );
  const amounts = new Map<string, WindowAmounts | undefined>(windows.map((window) => [keyOf(window), ZERO]));
  for (const row of rows)
    amounts.set(keyOf({ scope: String(row.scope), window: String(row.time_window) }), amountsOf(row));
  return amounts;
}

/** A window row's amounts; `undefined` when one is not an integer in 0..2^53. */
export function amountsOf(row: PgRow): WindowAmounts | undefined {
  const spentNanos = countOf(row.spent_nanos);
  const spentTokens = countOf(row.spent_tokens);
  const heldNanos = countOf(row.held_nanos);
  const heldTokens = countOf(row.held_tokens);
  if (
    spentNanos === undefined ||
    spentTokens === undefined ||
    heldNanos === undefined ||
    heldTokens === undefined
  )
    return undefined;
  return { spentNanos, spentTokens, heldNanos, heldTokens };
}

/** A `BIGINT` as `pg` returns it (a string) as an exact count, or `undefined` (see `storedCount`). */
export function countOf(value: unknown): number | undefined {
  return storedCount(bigIntOf(value));
}

/** A `BIGINT` as `pg` returns it (a string) as a bigint; `null` for SQL NULL. */
export function bigIntOf(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  return BigInt(value as string | number);
}

/** One string per window, for maps. */
export function keyOf(window: WindowKey): string {
  return JSON.stringify([window.scope, window.window]);
}

/** `windows` without repeats, in the one order windows are locked in. */
export function sorted(windows: readonly WindowKey[]): WindowKey[] {
  const unique = new Map(windows.map((window) => [keyOf(window), window]));
  return [...unique.values()].sort((left, right) =>
    left.scope === right.scope
      ? compareBytes(left.window, right.window)
      : compareBytes(left.scope, right.scope),
  );
}

/** Compares as PostgreSQL's `COLLATE "C"` does (bytewise), so both sides agree on the order. */
export function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/** The scopes and the windows of `windows`, as two arrays for `unnest`. */
export function columnsOf(windows: readonly WindowKey[]): [string[], string[]] {
  return [windows.map((window) => window.scope), windows.map((window) => window.window)];
}
