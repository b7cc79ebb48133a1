/** One webhook delivery as a trigger records it, by its sender's delivery id. */
export interface WebhookDelivery {
  /** The sender's delivery id (`X-GitHub-Delivery`, PagerDuty's event id, a hash of an alert group). */
  id: string;
  /** Who sent it: `github`, `alert`. */
  source: string;
  event: string;
  /** The repository (or `service:NAME` for an alert) it concerns; undefined when none. */
  repository?: string | undefined;
  /** What it is about within the repository (a workflow on its branch, an issue, an incident). */
  subject?: string | undefined;
  /** What became of it: `started`, `ignored: why`, `recorded: change`, `replayed`. */
  outcome: string;
  /** The task it started; undefined when it started none. */
  taskId?: string | undefined;
  /** When the reported event happened (an alert's firing); undefined when the sender does not say. */
  occurredAt?: string | undefined;
}

/** When an alert that started a task fired, and when that task ended with a diagnosis. */
export interface AlertDiagnosis {
  occurredAt: string;
  /** When the investigator's task ended succeeded or unverified; `null` while it has not. */
  diagnosedAt: string | null;
}

/** The latest started delivery of a subject and where its task stands. */
export interface StartedDelivery {
  taskId: string;
  receivedAt: string;
  /** The task's status; `null` while it is not in the store (waiting for a runner, or it never started). */
  status: string | null;
}

/**
 * Webhook deliveries by their sender's id: the first receipt of an id claims it; any later one is a
 * replay, counted on the first record. `SqliteDeliveryStore` keeps them in the embedded file,
 * `PgDeliveryStore` in PostgreSQL. Every method throws `SystemError('store-failed')` when the store
 * cannot be read or written.
 */
export interface DeliveryStore {
  /**
   * Records a delivery with its outcome; false when the id was seen before, which counts a replay on
   * the first record (`replays`, `last_replay_at`) and changes nothing else. Of concurrent claims of one
   * id, in any number of processes, exactly one returns true.
   */
  claim(delivery: WebhookDelivery): Promise<boolean>;
  /** Marks a delivery's task as never started (its repository or agent was unusable): it holds no subject. */
  failed(deliveryId: string, reason: string): Promise<void>;
  /** Whether a delivery with this id was recorded. */
  seen(deliveryId: string): Promise<boolean>;
  /** How often the delivery came again after its first receipt; undefined when it never came. */
  replaysOf(deliveryId: string): Promise<number | undefined>;
  /** Tasks the repository's deliveries started since `sinceIso`. */
  startedSince(repository: string, sinceIso: string): Promise<number>;
  /**
   * Alerts (`source = 'alert'`) that started a task since `sinceIso`, in the order they came: when each
   * fired, and when its task ended with a diagnosis.
   */
  alertDiagnoses(sinceIso: string): Promise<AlertDiagnosis[]>;
  /** The subject's latest started delivery and its task's status; undefined when none. */
  lastStarted(repository: string, subject: string): Promise<StartedDelivery | undefined>;
}
