import type { Pool } from 'pg';
import type {
  AlertDiagnosis,
  DeliveryStore,
  StartedDelivery,
  WebhookDelivery,
} from '../../spec/delivery-store.ts';
import { PgQueries } from './pg-queries.ts';

/**
 * Webhook deliveries by their sender's id in PostgreSQL, with the semantics of `SqliteDeliveryStore`:
 * a claim is one `INSERT … ON CONFLICT` that counts a replay on the first record, so of concurrent
 * receipts of one id in any number of processes exactly one claims it. The constructor does no I/O; the
 * pool's database must be migrated (`migratePg`).
 */
export class PgDeliveryStore implements DeliveryStore {
  readonly #queries: PgQueries;
  readonly #now: () => Date;

  /** `settings.now`: the clock that dates receipts (tests pass their own). */
  constructor(pool: Pool, settings: { now?: () => Date } = {}) {
    this.#queries = new PgQueries(pool);
    this.#now = settings.now ?? (() => new Date());
  }

  async claim(delivery: WebhookDelivery): Promise<boolean> {
    const now = this.#now().toISOString();
    const row = await this.#queries.row(
      `cannot record webhook delivery ${delivery.id}`,
      `INSERT INTO webhook_deliveries
         (delivery_id, source, event, repository, subject, received_at, outcome, task_id, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (delivery_id) DO UPDATE SET replays = webhook_deliveries.replays + 1, last_replay_at = $6
       RETURNING replays`,
      [
        delivery.id,
        delivery.source,
        delivery.event,
        delivery.repository ?? null,
        delivery.subject ?? null,
        now,
        delivery.outcome,
        delivery.taskId ?? null,
        delivery.occurredAt ?? null,
      ],
    );
    return Number(row!.replays) === 0;
  }

  async failed(deliveryId: string, reason: string): Promise<void> {
    await this.#queries.changes(
      `cannot mark webhook delivery ${deliveryId} failed`,
      'UPDATE webhook_deliveries SET outcome = $1 WHERE delivery_id = $2',
      [`failed: ${reason}`, deliveryId],
    );
  }

  async seen(deliveryId: string): Promise<boolean> {
    const row = await this.#queries.row(
      `cannot read webhook delivery ${deliveryId}`,
      'SELECT 1 FROM webhook_deliveries WHERE delivery_id = $1',
      [deliveryId],
    );
    return row !== undefined;
  }

  async replaysOf(deliveryId: string): Promise<number | undefined> {
    const row = await this.#queries.row(
      `cannot read webhook delivery ${deliveryId}`,
      'SELECT replays FROM webhook_deliveries WHERE delivery_id = $1',
      [deliveryId],
    );
    return row === undefined ? undefined : Number(row.replays);
  }

  async startedSince(repository: string, sinceIso: string): Promise<number> {
    const row = await this.#queries.row(
      `cannot count the tasks ${repository} started`,
      `SELECT COUNT(*) AS started FROM webhook_deliveries
       WHERE repository = $1 AND outcome = 'started' AND received_at >= $2`,
      [repository, sinceIso],
    );
    return Number(row?.started ?? 0);
  }

  async alertDiagnoses(sinceIso: string): Promise<AlertDiagnosis[]> {
    const rows = await this.#queries.rows(
      'cannot read the alerts that started tasks',
      `SELECT d.occurred_at AS "occurredAt",
         CASE WHEN t.status IN ('succeeded', 'unverified') THEN t.ended_at END AS "diagnosedAt"
       FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id COLLATE "C"
       WHERE d.source = 'alert' AND d.outcome = 'started' AND d.occurred_at IS NOT NULL
         AND d.received_at >= $1 ORDER BY d.received_at`,
      [sinceIso],
    );
    return rows.map((row) => ({
      occurredAt: row.occurredAt as string,
      diagnosedAt: (row.diagnosedAt as string | null) ?? null,
    }));
  }

  async lastStarted(repository: string, subject: string): Promise<StartedDelivery | undefined> {
    const row = await this.#queries.row(
      `cannot read the deliveries of ${subject} in ${repository}`,
      `SELECT d.task_id AS "taskId", d.received_at AS "receivedAt", t.status AS status
       FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id COLLATE "C"
       WHERE d.repository = $1 AND d.subject = $2 AND d.outcome = 'started'
       ORDER BY d.received_at DESC LIMIT 1`,
      [repository, subject],
    );
    return row
      ? {
          taskId: row.taskId as string,
          receivedAt: row.receivedAt as string,
          status: (row.status as string | null) ?? null,
        }
      : undefined;
  }
}
