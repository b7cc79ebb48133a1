import type { DatabaseSync } from 'node:sqlite';
import { SystemError } from '../../spec/errors.ts';

/**
 * Runs `work` in one `BEGIN IMMEDIATE` transaction: no other process writes between its reads and its
 * writes, and a throw rolls everything back. `what` names the part of the store for the error
 * (`the spend ledger`). `work` must be synchronous and must not open another transaction.
 *
 * @throws SystemError `store-failed` (retryable when the store could not be locked); a `SystemError`
 *   thrown by `work` passes through unchanged.
 */
export function immediateTransaction<T>(database: DatabaseSync, what: string, work: () => T): T {
  try {
    database.exec('BEGIN IMMEDIATE');
  } catch (error) {
    throw new SystemError('store-failed', `${what} is unavailable: ${(error as Error).message}`, {
      cause: error,
      isRetryable: true,
    });
  }
  try {
    const result = work();
    database.exec('COMMIT');
    return result;
  } catch (error) {
    database.exec('ROLLBACK');
    if (error instanceof SystemError) throw error;
    throw new SystemError('store-failed', `${what}: write failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
