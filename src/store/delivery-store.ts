import type { DatabaseSync } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';

/**
 * Webhook deliveries by their sender's id, in the shared SQLite file: the first receipt of an id claims
 * it; any later one is a replay. Construct with the open database of a `SqliteStore`.
 */
export class SqliteDeliveryStore {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  /**
   * Records a delivery with its outcome; false, recording nothing, when the id was seen before.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  claim(delivery: {
    id: string;
    source: string;
    event: string;
    outcome: string;
    taskId?: string | undefined;
  }): boolean {
    try {
      const result = this.#db
        .prepare(
          `INSERT INTO webhook_deliveries (delivery_id, source, event, received_at, outcome, task_id)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
        )
        .run(
          delivery.id,
          delivery.source,
          delivery.event,
          new Date().toISOString(),
          delivery.outcome,
          delivery.taskId ?? null,
        );
      return Number(result.changes) === 1;
    } catch (error) {
      throw new SystemError('store-failed', `webhook delivery write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
