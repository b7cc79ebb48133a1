import type { SQLOutputValue } from 'node:sqlite';
import type { PoolClient } from 'pg';
import { SystemError, UserError } from '../../spec/errors.ts';
import type { SqliteStore } from '../sqlite-store.ts';
import { PgQueries } from './pg-queries.ts';
import type { PgStore } from './pg-store.ts';
import { COPIED_TABLES, type CopiedColumn, type CopiedTable } from './sqlite-copy-tables.ts';

/** The rows of one table a copy wrote (equal in both engines when the copy returns). */
export interface CopiedRows {
  name: string;
  rows: number;
}

/** PostgreSQL takes at most 65,535 parameters in one statement; stay well under, and under 500 rows. */
const MAX_PARAMETERS = 30_000;
const MAX_ROWS = 500;

/**
 * Copies every row of every Warden table of the SQLite store `source` into the PostgreSQL store `target`
 * (both migrated to this Warden's schema), in one transaction on the target: a failure leaves it as it
 * was. Values are copied exactly (integers as integers however large, journal bodies byte for byte);
 * where the engines' columns differ they are converted (see `COPIED_TABLES`). The source is read in one
 * snapshot. Counts each table on both sides before committing.
 *
 * @param onTable called after each table is copied (progress).
 * @throws UserError `usage` when the target already holds any Warden rows (nothing is written);
 *   SystemError `store-failed` when the target refuses a row or a count differs (nothing is written).
 */
export async function copySqliteToPg(
  source: SqliteStore,
  target: PgStore,
  onTable: (copied: CopiedRows) => void = () => {},
): Promise<CopiedRows[]> {
  const queries = new PgQueries(target.pool);
  const database = source.database;
  // A deferred transaction is one read snapshot of the file: a writer elsewhere does not tear the copy.
  database.exec('BEGIN');
  try {
    return await queries.transaction('cannot copy into PostgreSQL', async (client) => {
      // Nobody writes these tables until the copy has committed or rolled back; reads go on.
      await client.query(
        `LOCK TABLE ${COPIED_TABLES.map((table) => table.name).join(', ')} IN EXCLUSIVE MODE`,
      );
      await refuseNonEmpty(client);
      const copied: CopiedRows[] = [];
      for (const table of COPIED_TABLES) {
        const rows = await copyTable(source, client, table).catch((error: unknown) => {
          throw queries.failure(error, `cannot copy ${table.name} (nothing was written)`);
        });
        const written = await countRows(client, table.name);
        if (written !== rows) {
          throw new SystemError(
            'store-failed',
            `copying ${table.name}: the source has ${rows} rows, the target ${written}; nothing was written`,
          );
        }
        copied.push({ name: table.name, rows });
        onTable({ name: table.name, rows });
      }
      return copied;
    });
  } finally {
    database.exec('COMMIT');
  }
}

/**
 * Empties every table `copySqliteToPg` writes, in one transaction, numbering restarting: for taking back
 * a copy that did not verify. Only for a target the copy found empty.
 */
export async function undoPgCopy(target: PgStore): Promise<void> {
  const queries = new PgQueries(target.pool);
  await queries.transaction('cannot empty the target after a failed copy', async (client) => {
    await client.query(`TRUNCATE ${COPIED_TABLES.map((table) => table.name).join(', ')} RESTART IDENTITY`);
  });
}

/** The rows of each copied table in PostgreSQL now. */
export async function countPgRows(target: PgStore): Promise<CopiedRows[]> {
  const client = await target.pool.connect();
  try {
    const counts: CopiedRows[] = [];
    for (const table of COPIED_TABLES)
      counts.push({ name: table.name, rows: await countRows(client, table.name) });
    return counts;
  } finally {
    client.release();
  }
}

async function refuseNonEmpty(client: PoolClient): Promise<void> {
  const held: CopiedRows[] = [];
  for (const table of COPIED_TABLES) {
    const rows = await countRows(client, table.name);
    if (rows > 0) held.push({ name: table.name, rows });
  }
  if (held.length === 0) return;
  const tasks = held.find((table) => table.name === 'tasks');
  const what = tasks
    ? `${tasks.rows} task(s)`
    : `rows in ${held.map((table) => `${table.name} (${table.rows})`).join(', ')}`;
  throw new UserError('usage', `the target database already holds ${what}; nothing was copied`, {
    hint: 'copy into a new, empty database (createdb NAME, then --to postgres://…/NAME): a copy never merges or overwrites',
  });
}

async function countRows(client: PoolClient, table: string): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT COUNT(*) AS count FROM ${table}`);
  return Number(rows[0]?.count ?? 0);
}

/** Copies one table in batches of rows; returns how many rows the source has. */
async function copyTable(source: SqliteStore, client: PoolClient, table: CopiedTable): Promise<number> {
  const statement = source.database.prepare(
    `SELECT ${table.columns.map((column) => `"${column.from}"`).join(', ')} FROM ${table.name} ORDER BY ${table.order}`,
  );
  statement.setReadBigInts(true);
  const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / table.columns.length)));
  let batch: SQLOutputValue[][] = [];
  let rows = 0;
  for (const row of statement.iterate() as Iterable<Record<string, SQLOutputValue>>) {
    batch.push(table.columns.map((column) => row[column.from] ?? null));
    if (batch.length === perBatch) {
      await insertRows(client, table, batch);
      batch = [];
    }
    rows++;
  }
  if (batch.length > 0) await insertRows(client, table, batch);
  if (table.identity) {
    // The next row the server numbers comes after the copied ones.
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'),
         COALESCE(MAX(${table.identity}), 1), MAX(${table.identity}) IS NOT NULL) FROM ${table.name}`,
    );
  }
  return rows;
}

async function insertRows(client: PoolClient, table: CopiedTable, rows: SQLOutputValue[][]): Promise<void> {
  const parameters: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = row.map((value, index) => {
      const column = table.columns[index]!;
      parameters.push(toPg(value, column, table.name));
      return column.convert === 'jsonb' ? `$${parameters.length}::jsonb` : `$${parameters.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  await client.query(
    `INSERT INTO ${table.name} (${table.columns.map((column) => column.to).join(', ')})
     ${table.identity ? 'OVERRIDING SYSTEM VALUE ' : ''}VALUES ${tuples.join(', ')}`,
    parameters,
  );
}

/** A SQLite value as the PostgreSQL column takes it. */
function toPg(value: SQLOutputValue, column: CopiedColumn, table: string): unknown {
  if (value === null) return null;
  if (column.convert === 'boolean') {
    if (value === 0n || value === 1n) return value === 1n;
    throw new SystemError(
      'store-failed',
      `${table}.${column.from} holds ${String(value)} where 0 or 1 was expected; nothing was copied`,
    );
  }
  // Exact: a count past 2^53 (an out-of-range spend entry) reaches the BIGINT column unrounded.
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) {
    throw new SystemError(
      'store-failed',
      `${table}.${column.from} holds bytes, not text; nothing was copied`,
    );
  }
  return value;
}
