import type { DatabaseSync } from 'node:sqlite';
import type {
  AlertDiagnosis,
  DeliveryStore,
  StartedDelivery,
  WebhookDelivery,
} from '../spec/delivery-store.ts';
import { SystemError } from '../spec/errors.ts';
import { type Statements, statementsOf } from './internal/statements.ts';

/**
 * Webhook deliveries by their sender's id, in the shared SQLite file: the first receipt of an id claims
 * it; any later one is a replay. Construct with the open database of a `SqliteStore`.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  readonly #statements: Statements;
  readonly #now: () => Date;

  /** `settings.now`: the clock that dates receipts (tests pass their own). */
  constructor(database: DatabaseSync, settings: { now?: () => Date } = {}) {
    this.#statements = statementsOf(database);
    this.#now = settings.now ?? (() => new Date());
  }

  async claim(delivery: WebhookDelivery): Promise<boolean> {
    const now = this.#now().toISOString();
    const row = this.#run('webhook delivery write failed', () =>
      this.#statements
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
        ),
    ) as { replays: number };
    return row.replays === 0;
  }

  async failed(deliveryId: string, reason: string): Promise<void> {
    this.#run('webhook delivery write failed', () =>
      this.#statements
        .get(`UPDATE webhook_deliveries SET outcome = ? WHERE delivery_id = ?`)
        .run(`failed: ${reason}`, deliveryId),
    );
  }

  async seen(deliveryId: string): Promise<boolean> {
    const row = this.#run('webhook delivery read failed', () =>
      this.#statements.get('SELECT 1 FROM webhook_deliveries WHERE delivery_id = ?').get(deliveryId),
    );
    return row !== undefined;
  }

  async replaysOf(deliveryId: string): Promise<number | undefined> {
    const row = this.#run('webhook delivery read failed', () =>
      this.#statements.get('SELECT replays FROM webhook_deliveries WHERE delivery_id = ?').get(deliveryId),
    ) as { replays: number } | undefined;
    return row?.replays;
  }

  async startedSince(repository: string, sinceIso: string): Promise<number> {
    const row = this.#run('webhook delivery read failed', () =>
      this.#statements
        .get(
          `SELECT COUNT(*) AS started FROM webhook_deliveries
           WHERE repository = ? AND outcome = 'started' AND received_at >= ?`,
        )
        .get(repository, sinceIso),
    ) as { started: number };
    return row.started;
  }

  async alertDiagnoses(sinceIso: string): Promise<AlertDiagnosis[]> {
    return this.#run('webhook delivery read failed', () =>
      this.#statements
        .get(
          `SELECT d.occurred_at AS occurredAt,
             CASE WHEN t.status IN ('succeeded', 'unverified') THEN t.ended_at END AS diagnosedAt
           FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id
           WHERE d.source = 'alert' AND d.outcome = 'started' AND d.occurred_at IS NOT NULL
             AND d.received_at >= ? ORDER BY d.received_at`,
        )
        .all(sinceIso),
    ) as unknown as AlertDiagnosis[];
  }

  async lastStarted(repository: string, subject: string): Promise<StartedDelivery | undefined> {
    return this.#run('webhook delivery read failed', () =>
      this.#statements
        .get(
          `SELECT d.task_id AS taskId, d.received_at AS receivedAt, t.status AS status
           FROM webhook_deliveries d LEFT JOIN tasks t ON t.id = d.task_id
           WHERE d.repository = ? AND d.subject = ? AND d.outcome = 'started'
           ORDER BY d.received_at DESC LIMIT 1`,
        )
        .get(repository, subject),
    ) as StartedDelivery | undefined;
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new SystemError('store-failed', `${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}
