import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { COUNT_COLUMNS, READABLE_ENTRY_SQL } from './internal/spend-amounts.ts';
import { storedCount } from './stored-count.ts';

/** One problem a store check found, with what to do about it. */
export interface StoreFinding {
  /** The check that found it (`spend-windows`). */
  check: string;
  /** What is wrong, e.g. `spend_windows agent:coder 2026-05-01`. */
  subject: string;
  problem: string;
  hint: string;
}

/**
 * A health check of a store, as `warden doctor` runs it, made for one store (see `sqliteSpendChecks`).
 * Reads only; never repairs.
 */
export interface StoreCheck {
  name: string;
  /** What it looks at, for people. */
  description: string;
  /**
   * What is wrong in the store the check was made for; empty when nothing is.
   *
   * @throws SystemError `store-failed` when the store cannot be read.
   */
  run(now: Date): Promise<StoreFinding[]>;
}

/** A check of the SQLite spend tables, given the database when run. */
interface SqliteCheck {
  name: string;
  description: string;
  run(database: DatabaseSync, now: Date): StoreFinding[];
}

const OUT_OF_RANGE = 'is not an integer between 0 and 2^53';

/** Rows of `sql`, with integers read as bigints so an out-of-range value can be seen instead of thrown. */
function rows(
  database: DatabaseSync,
  sql: string,
  ...parameters: string[]
): Record<string, SQLOutputValue>[] {
  const statement = database.prepare(sql);
  statement.setReadBigInts(true);
  return statement.all(...parameters);
}

/** The columns of `row` among `columns` whose value is not a stored amount, as `column value`. */
function badColumns(row: Record<string, SQLOutputValue>, columns: readonly string[]): string[] {
  return columns
    .filter((column) => storedCount(row[column]) === undefined)
    .map((column) => `${column} ${String(row[column])}`);
}

const windowsCheck: SqliteCheck = {
  name: 'spend-windows',
  description: 'spent and held totals of every spend window are integers between 0 and 2^53',
  run(database) {
    const columns = ['spent_nanos', 'spent_tokens', 'held_nanos', 'held_tokens'];
    return rows(database, 'SELECT * FROM spend_windows ORDER BY window, scope').flatMap((row) => {
      const bad = badColumns(row, columns);
      if (bad.length === 0) return [];
      return [
        {
          check: 'spend-windows',
          subject: `spend window ${String(row.scope)} ${String(row.window)}`,
          problem: `${bad.join(', ')} ${OUT_OF_RANGE}`,
          hint: 'no call can be charged to this window while a limit applies to it; once its entries are checked, correct the row or delete it (its limit starts from zero)',
        },
      ];
    });
  },
};

const entriesCheck: SqliteCheck = {
  name: 'spend-entries',
  description: 'amounts and token counts of every booked model call are integers between 0 and 2^53',
  run(database) {
    // Only the rows that cannot be read, through the partial index of exactly those (migration 0007).
    return rows(
      database,
      `SELECT * FROM spend_entries INDEXED BY spend_entries_unreadable WHERE NOT ${READABLE_ENTRY_SQL} ORDER BY id`,
    ).flatMap((row) => {
      const bad = badColumns(row, COUNT_COLUMNS);
      if (row.top_tier_nanos !== null) bad.push(...badColumns(row, ['top_tier_nanos']));
      if (bad.length === 0) return [];
      return [
        {
          check: 'spend-entries',
          subject: `spend entry ${String(row.id)} (task ${String(row.task_id ?? '-')}, ${String(row.day)})`,
          problem: `${bad.join(', ')} ${OUT_OF_RANGE}`,
          hint: 'reports leave this entry out; it records usage a provider misreported to an older version: correct or delete the row',
        },
      ];
    });
  },
};

const reservationsCheck: SqliteCheck = {
  name: 'spend-reservations',
  description: 'no reservation is held past its time to live, and every held amount is in range',
  run(database, now) {
    return rows(
      database,
      `SELECT id, nanos, tokens, created_at, expires_at FROM spend_reservations WHERE state = 'held' ORDER BY created_at`,
    ).flatMap((row) => {
      const problems: string[] = [];
      const bad = badColumns(row, ['nanos', 'tokens']);
      if (bad.length > 0) problems.push(`${bad.join(', ')} ${OUT_OF_RANGE}`);
      if (String(row.expires_at) < now.toISOString()) {
        problems.push(
          `held since ${String(row.created_at)}, past its time to live (${String(row.expires_at)})`,
        );
      }
      if (problems.length === 0) return [];
      return [
        {
          check: 'spend-reservations',
          subject: `reservation ${String(row.id)}`,
          problem: problems.join('; '),
          hint: 'its worker died before settling it; the next reservation of any task releases it',
        },
      ];
    });
  },
};

/** The checks of the spend ledger in SQLite, in the order they run. Append new checks here. */
const SQLITE_SPEND_CHECKS: readonly SqliteCheck[] = [windowsCheck, entriesCheck, reservationsCheck];

/**
 * The checks of the spend ledger in the SQLite file open as `database` (`SqliteStore.database`), in the
 * order `warden doctor` runs them. Each reads only what it names, with integers read as bigints so an
 * out-of-range amount is seen rather than thrown.
 */
export function sqliteSpendChecks(database: DatabaseSync): readonly StoreCheck[] {
  return SQLITE_SPEND_CHECKS.map((check) => ({
    name: check.name,
    description: check.description,
    run: async (now: Date) => check.run(database, now),
  }));
}
