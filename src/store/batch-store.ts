import type { DatabaseSync } from 'node:sqlite';
import type { BatchBook, BatchRecord } from '../spec/batches.ts';

/** The model batches a call waits on, in the embedded SQLite file (shared through `SqliteStore.database`). */
export class SqliteBatchStore implements BatchBook {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;

  constructor(database: DatabaseSync, settings: { now?: () => Date } = {}) {
    this.#db = database;
    this.#now = settings.now ?? (() => new Date());
  }

  async waiting(requestHash: string): Promise<BatchRecord | undefined> {
    const row = this.#db
      .prepare("SELECT vendor, batch_id FROM model_batches WHERE request_hash = ? AND status = 'waiting'")
      .get(requestHash) as { vendor: string; batch_id: string } | undefined;
    return row ? { requestHash, vendor: row.vendor, batchId: row.batch_id } : undefined;
  }

  async submitted(record: BatchRecord): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO model_batches (request_hash, vendor, batch_id, status, created_at) VALUES (?, ?, ?, 'waiting', ?)
         ON CONFLICT (request_hash) DO UPDATE SET vendor = excluded.vendor, batch_id = excluded.batch_id,
           status = 'waiting', created_at = excluded.created_at, ended_at = NULL`,
      )
      .run(record.requestHash, record.vendor, record.batchId, this.#now().toISOString());
  }

  async ended(requestHash: string): Promise<void> {
    this.#db
      .prepare("UPDATE model_batches SET status = 'ended', ended_at = ? WHERE request_hash = ?")
      .run(this.#now().toISOString(), requestHash);
  }
}
