import type { Pool } from 'pg';
import type { BatchBook, BatchRecord } from '../../spec/batches.ts';
import { PgQueries } from './pg-queries.ts';

/**
 * The model batches a call waits on, in PostgreSQL, with the semantics of `SqliteBatchStore`. The
 * constructor does no I/O; the pool's database must be migrated (`migratePg`).
 */
export class PgBatchStore implements BatchBook {
  readonly #queries: PgQueries;
  readonly #now: () => Date;

  constructor(pool: Pool, settings: { now?: () => Date } = {}) {
    this.#queries = new PgQueries(pool);
    this.#now = settings.now ?? (() => new Date());
  }

  async waiting(requestHash: string): Promise<BatchRecord | undefined> {
    const row = await this.#queries.row(
      `cannot read the batch of request ${requestHash}`,
      "SELECT vendor, batch_id FROM model_batches WHERE request_hash = $1 AND status = 'waiting'",
      [requestHash],
    );
    return row ? { requestHash, vendor: row.vendor as string, batchId: row.batch_id as string } : undefined;
  }

  async submitted(record: BatchRecord): Promise<void> {
    await this.#queries.changes(
      `cannot record batch ${record.batchId}`,
      `INSERT INTO model_batches (request_hash, vendor, batch_id, status, created_at) VALUES ($1, $2, $3, 'waiting', $4)
       ON CONFLICT (request_hash) DO UPDATE SET vendor = excluded.vendor, batch_id = excluded.batch_id,
         status = 'waiting', created_at = excluded.created_at, ended_at = NULL`,
      [record.requestHash, record.vendor, record.batchId, this.#now().toISOString()],
    );
  }

  async ended(requestHash: string): Promise<void> {
    await this.#queries.changes(
      `cannot end the batch of request ${requestHash}`,
      "UPDATE model_batches SET status = 'ended', ended_at = $1 WHERE request_hash = $2",
      [this.#now().toISOString(), requestHash],
    );
  }
}
