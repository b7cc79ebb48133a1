import type { Decision } from './types.ts';

/** Every external effect the action gateway knows, named as the policy engine names them. */
export const ACTION_NAMES = [
  'forge.push',
  'forge.open_pr',
  'forge.update_pr',
  'forge.comment',
  'forge.review',
  'forge.request_review',
  'deploy',
] as const;

export type ActionName = (typeof ACTION_NAMES)[number];

/** What the gateway asks policy about one action. */
export interface ActionDecisionRequest {
  action: ActionName;
  /** What the action touches: the repository always; the branch, pull request or environment when known. */
  resource: {
    repository: string;
    branch?: string;
    pullRequest?: number;
    environment?: string;
  };
  /**
   * Facts Warden derived: `taskId`, the action's `parameters`, `force`, and for an action on a branch
   * whether it is the forge's `defaultBranch` or one of its `protectedBranch`es (booleans).
   */
  context: Record<string, unknown>;
}

/**
 * Decides whether an external action may run: `allow`, `deny` or `ask`. The Cedar policy engine
 * implements it. Implementations fail closed: when they cannot decide, they deny.
 */
export interface ActionDecider {
  decideAction(request: ActionDecisionRequest): Promise<Decision>;
}

/** How an action ended, as recorded under its idempotency key. */
export type ActionRecordStatus = 'running' | 'succeeded' | 'failed';

/** One action as the store records it under its idempotency key. */
export interface ActionRecord {
  key: string;
  taskId: string;
  action: ActionName;
  parameters: unknown;
  status: ActionRecordStatus;
  /** What the action produced (a pushed commit, a pull request…); `null` unless it succeeded. */
  result: unknown;
  /** The (redacted) failure; `null` unless it failed. */
  error: string | null;
  startedAt: string;
  endedAt: string | null;
}

/**
 * Durable record of actions by idempotency key, so a resumed task never repeats one.
 */
export interface ActionStore {
  /**
   * Claims `key` for a new execution. Returns `undefined` when the claim was taken (no record, or a
   * failed one that may be retried), else the existing record (succeeded, or still running).
   */
  claim(
    record: Pick<ActionRecord, 'key' | 'taskId' | 'action' | 'parameters'>,
  ): Promise<ActionRecord | undefined>;
  /** Records the outcome of a claimed key. */
  complete(key: string, outcome: { result: unknown } | { error: string }): Promise<ActionRecord>;
  /** `undefined` when nothing was recorded under the key. */
  get(key: string): Promise<ActionRecord | undefined>;
  list(taskId: string): Promise<ActionRecord[]>;
}

/** A pull request as a forge reports it. */
export interface PullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  url: string;
  reviewers: string[];
}

/** A comment on a pull request. */
export interface PullRequestComment {
  id: number;
  pullRequest: number;
  body: string;
  url: string;
}

/** The pull requests of the local forge, kept in the store. */
export interface PullRequestStore {
  createPullRequest(
    repository: string,
    fields: Pick<PullRequest, 'head' | 'base' | 'title' | 'body'>,
  ): Promise<PullRequest>;
  /** `undefined` when the repository has no pull request with this number. */
  getPullRequest(repository: string, number: number): Promise<PullRequest | undefined>;
  updatePullRequest(
    repository: string,
    number: number,
    fields: Partial<Pick<PullRequest, 'title' | 'body' | 'state' | 'base' | 'reviewers'>>,
  ): Promise<PullRequest>;
  listPullRequests(repository: string): Promise<PullRequest[]>;
  addComment(repository: string, number: number, body: string): Promise<PullRequestComment>;
  listComments(repository: string, number: number): Promise<PullRequestComment[]>;
}
