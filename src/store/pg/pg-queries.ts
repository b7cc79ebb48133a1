import type { Pool, PoolClient } from 'pg';
import type { WardenError } from '../../spec/errors.ts';
import { pgFailure } from './pg-errors.ts';

/** A row as `pg` returns it: columns by name. */
export type PgRow = Record<string, unknown>;

/** Something queries run on: the pool, or the one client of a transaction. */
export type PgQueryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/**
 * The queries of one PostgreSQL store on its pool, each failure turned into `SystemError('store-failed')`
 * saying what failed (`pgFailure`), with the URL's password left out. Does no I/O when constructed.
 */
export class PgQueries {
  readonly #pool: Pool;
  readonly #url: string;

  constructor(pool: Pool) {
    this.#pool = pool;
    // For messages only: where the pool connects (`pgFailure` redacts a password).
    this.#url =
      (pool as { options?: { connectionString?: string } }).options?.connectionString ?? 'PostgreSQL';
  }

  /** The rows `sql` returns; `what` heads the error when it fails. */
  async rows(
    what: string,
    sql: string,
    parameters: unknown[],
    on: PgQueryable = this.#pool,
  ): Promise<PgRow[]> {
    try {
      return (await on.query(sql, parameters)).rows as PgRow[];
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /** The first row `sql` returns; `undefined` when none. */
  async row(what: string, sql: string, parameters: unknown[], on?: PgQueryable): Promise<PgRow | undefined> {
    return (await this.rows(what, sql, parameters, on))[0];
  }

  /** How many rows `sql` changed. */
  async changes(
    what: string,
    sql: string,
    parameters: unknown[],
    on: PgQueryable = this.#pool,
  ): Promise<number> {
    try {
      return (await on.query(sql, parameters)).rowCount ?? 0;
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it returns, rolled back when it
   * throws (a `WardenError` it throws passes through unchanged).
   */
  async transaction<T>(what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.failure(error, what);
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
      throw this.failure(error, what);
    }
  }

  /** `error` as the store's failure: `SystemError('store-failed')` headed by `what`. */
  failure(error: unknown, what: string): WardenError {
    return pgFailure(error, what, this.#url);
  }
}
