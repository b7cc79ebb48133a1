/** What became of a pull request Warden opened. */
export type PullState = 'open' | 'accepted-first-pass' | 'accepted-after-changes' | 'rejected' | 'reverted';

/** One pull request Warden opened, with its task's agent and start. */
export interface PullOutcomeRow {
  taskId: string;
  repository: string;
  number: number;
  url: string;
  openedAt: string;
  state: PullState;
  changesRequested: number;
  humanCommits: number;
  mergeCommit: string | null;
  closedAt: string | null;
  revertedAt: string | null;
  /** The agent the task ran as; null when its outcome was not booked. */
  agent: string | null;
  /** When the task was created (the trigger's time, for a triggered task); null when it is not stored. */
  taskCreatedAt: string | null;
}

/**
 * The pull requests Warden opened and what the forge says became of them. Each change applies to an
 * open pull request only, so a webhook delivered twice or late changes nothing twice; a revert applies to
 * an accepted one. `SqlitePullOutcomeStore` keeps them in the embedded file, `PgPullOutcomeStore` in
 * PostgreSQL. Every method throws `SystemError('store-failed')` when the store cannot be read or written.
 */
export interface PullOutcomeStore {
  /** Records the pull request a task's delivery opened; the same task again changes nothing. */
  opened(pull: {
    taskId: string;
    repository: string;
    number: number;
    url: string;
    at: string;
  }): Promise<void>;
  /** A review asked for changes on the task's open pull request; false when there is none. */
  changesRequested(repository: string, taskId: string): Promise<boolean>;
  /** Someone other than Warden pushed `count` commits onto the task's branch; false when no open pull request. */
  humanCommits(repository: string, taskId: string, count: number): Promise<boolean>;
  /**
   * The task's open pull request was closed: merged, it is accepted (first pass when no review asked for
   * changes and no human commit came); not merged, rejected. Returns the new state; undefined when the
   * task has no open pull request.
   */
  closed(
    repository: string,
    taskId: string,
    close: { merged: boolean; mergeCommit: string | null; at: string },
  ): Promise<PullState | undefined>;
  /** Commits that revert merge commits: those accepted pull requests become `reverted`. Returns their tasks. */
  reverted(repository: string, mergeCommits: readonly string[], at: string): Promise<string[]>;
  /** The task's pull request; undefined when its delivery opened none. */
  get(taskId: string): Promise<PullOutcomeRow | undefined>;
  /** Pull requests opened at or after `sinceAt` (all when undefined), oldest first. */
  list(filter?: { sinceAt?: string | undefined }): Promise<PullOutcomeRow[]>;
}
