import type { DatabaseSync } from 'node:sqlite';
import { SystemError } from '../spec/errors.ts';
import { type Statements, statementsOf } from './internal/statements.ts';

/**
 * Webhook deliveries by their sender's id, in the shared SQLite file: the first receipt of an id claims
 * it; any later one is a replay. Construct with the open database of a `SqliteStore`.
 */
export class SqliteDeliveryStore {
  readonly #statements: Statements;

  constructor(database: DatabaseSync) {
    this.#statements = statementsOf(database);
  }

  /**
   * Records a delivery with its outcome; false when the id was seen before, which is counted as a
   * replay on the first record (`replays`, `last_replay_at`) and changes nothing else.
   *
   * @throws SystemError `store-failed` when the database cannot be written.
   */
  claim(delivery: {
    id: string;
    source: string;
    event: string;
    repository?: string | undefined;
    subject?: string | undefined;
    outcome: string;
    taskId?: string | undefined;
    /** When the reported event happened (an alert's firing). */
    occurredAt?: string | undefined;
  }): boolean {
    try {
      const now = new Date().toISOString();
      const row = this.#statements
        .get(
          `INSERT INTO webhook_deliveries
             (delivery_id, source, event, repository, subject, received_at, outcome, task_id, occurred_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (delivery_id) DO UPDATE SET replays = replays + 1, last_replay_at = ?
           RETURNING replays`,
        )
        .get(
          delivery.id,
          delivery.source,
          delivery.event,
          delivery.repository ?? null,
          delivery.subject ?? null,
          now,
          delivery.outcome,
          delivery.taskId ?? null,
          delivery.occurredAt ?? null,
          now,
        ) as { replays: number };
      return row.replays === 0;
    } catch (error) {
      throw new SystemError('store-failed', `webhook delivery write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Marks a delivery's task as never started (its repository or agent was unusable): it holds no subject. */
  failed(deliveryId: string, reason: string): void {
    this.#statements
      .get(`UPDATE webhook_deliveries SET outcome = ? WHERE delivery_id = ?`)
      .run(`failed: ${reason}`, deliveryId);
  }

  /** Whether a delivery with this id was recorded. */
  seen(deliveryId: string): boolean {
    return (
      this.#statements.get('SELECT 1 FROM webhook_deliveries WHERE delivery_id = ?').get(deliveryId) !==
      undefined
    );
  }

  /** How often the delivery came again after its first receipt; undefined when it never came. */
  replaysOf(deliveryId: string): number | undefined {
    const row = this.#statements
      .get('SELECT replays FROM webhook_deliveries WHERE delivery_id = ?')
      .get(deliveryId) as { replays: number } | undefined;
    return row?.replays;
  }

  /** Tasks the repository's deliveries started since `sinceIso`. */
  startedSince(repository: string, sinceIso: string): number {
    const row = this.#statements
      .get(
        `SELECT COUNT(*) AS started FROM webhook_deliveries
         WHERE repository = ? AND outcome = 'started' AND received_at >= ?`,
      )
      .get(repository, sinceIso) as { started: number };
    return row.started;
  }

  /**
   * Alerts (`source = 'alert'`) that started a task since `sinceIso`: when each fired, and when its task
   * ended with a diagnosis (succeeded or unverified: the investigator finished); `null` otherwise.
   */
  alertDiagnoses(sinceIso: string): Array<{ occurredAt: string; diagnosedAt: string | null }> {
    return this.#statements
      .get(
        `SELECT d.occurred_at AS occurredAt,
           CASE WHEN t.status IN ('succeeded', 'unverified') THEN t.ended_at END AS diagnosedAt
         FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id
         WHERE d.source = 'alert' AND d.outcome = 'started' AND d.occurred_at IS NOT NULL
           AND d.received_at >= ? ORDER BY d.received_at`,
      )
      .all(sinceIso) as Array<{ occurredAt: string; diagnosedAt: string | null }>;
  }

  /**
   * The task the subject's latest started delivery made, when it came, and the task's status (`null`
   * while it is not in the store yet: waiting for a runner, or it never started); undefined when none.
   */
  lastStarted(
    repository: string,
    subject: string,
  ): { taskId: string; receivedAt: string; status: string | null } | undefined {
    return this.#statements
      .get(
        `SELECT d.task_id AS taskId, d.received_at AS receivedAt, t.status AS status
         FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id
         WHERE d.repository = ? AND d.subject = ? AND d.outcome = 'started'
         ORDER BY d.received_at DESC LIMIT 1`,
      )
      .get(repository, subject) as { taskId: string; receivedAt: string; status: string | null } | undefined;
  }
}
