import type { DatabaseSync } from 'node:sqlite';
import { SystemError, WardenError } from '../../spec/errors.ts';

/**
 * Asynchronous `BEGIN IMMEDIATE` transactions on a shared SQLite connection, one at a time.
 *
 * Other processes are kept out by the immediate lock. In this process two things are needed, because the
 * connection is shared by every store built on it (the journal writes through the same one) and a
 * transaction on it takes in any statement run while it is open:
 * - a promise queue, so two callers of this object never run inside one transaction;
 * - each transaction begins in a macrotask of its own (`setImmediate`) and, since `work` awaits nothing but
 *   statements that run at once, commits before that macrotask's microtasks are drained: no other code of
 *   this process (a journal append, another store's transaction) can run while it is open.
 */
export class SerialTransactions {
  readonly #database: DatabaseSync;
  readonly #what: string;
  #tail: Promise<unknown> = Promise.resolve();

  /** `what` names the part of the store for errors (`the breaker store`). No I/O here. */
  constructor(database: DatabaseSync, what: string) {
    this.#database = database;
    this.#what = what;
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction after every earlier call has ended; a throw rolls it
   * back. `work` must await nothing but synchronous statements on this connection.
   *
   * @throws SystemError `store-failed` (retryable when the store could not be locked); a `WardenError`
   *   thrown by `work` passes through unchanged.
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(() => this.#runNow(work));
    this.#tail = result.catch(() => {});
    return result;
  }

  async #runNow<T>(work: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      this.#database.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw new SystemError('store-failed', `${this.#what} is unavailable: ${(error as Error).message}`, {
        cause: error,
        isRetryable: true,
      });
    }
    try {
      const result = await work();
      this.#database.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#database.isTransaction) this.#database.exec('ROLLBACK');
      if (error instanceof WardenError) throw error;
      throw new SystemError('store-failed', `${this.#what}: write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
