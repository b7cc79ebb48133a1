import type { PullRequest, PullRequestComment } from './actions.ts';

/** A branch to push: a commit of a host-side repository (the task's workspace) onto a forge branch. */
export interface PushRequest {
  /** The host directory of the repository holding the commit. */
  sourceDir: string;
  /** The full commit id to push. */
  commit: string;
  /** The forge branch to create or fast-forward (never forced). */
  branch: string;
}

export interface PushResult {
  branch: string;
  commit: string;
  /** What the branch pointed at before; `null` when the push created it. */
  previous: string | null;
}

export interface OpenPullRequest {
  head: string;
  base: string;
  title: string;
  body: string;
}

/** A review of a pull request: its text, and comments on lines of the new side of its diff. */
export interface PullRequestReview {
  body: string;
  comments: ReadonlyArray<{ path: string; line: number; body: string }>;
}

export interface PullRequestUpdate {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  base?: string;
}

/**
 * Where branches and pull requests live: a local bare repository, or GitHub. The action gateway is the
 * only caller; it has already checked policy, branch rules and credentials. Pushes are never forced.
 * Every forge passes `runForgeConformance` (`src/testing/`).
 */
export interface Forge {
  /** `local` or `github`. */
  readonly kind: string;
  /** The repository as policy and credentials name it (`owner/name`, or the local forge's name). */
  readonly repository: string;
  /** The branch pull requests go into by default. */
  defaultBranch(): Promise<string>;
  /** Branches the forge protects; pushes to them are always refused. */
  protectedBranches(): Promise<string[]>;
  /**
   * Creates or fast-forwards a branch; pushing the commit a branch already points at changes nothing.
   * Optional: a forge without it throws `unsupported` through the gateway.
   *
   * @throws UserError `action-refused` when the branch is the default one or matches a protected one
   *   (the forge refuses it itself, whoever asks). A push that is not a fast-forward fails, never forced.
   */
  pushBranch?(request: PushRequest): Promise<PushResult>;
  openPullRequest(request: OpenPullRequest): Promise<PullRequest>;
  updatePullRequest(number: number, update: PullRequestUpdate): Promise<PullRequest>;
  comment(number: number, body: string): Promise<PullRequestComment>;
  /**
   * Posts a review that only comments (never approves or requests changes) on pull request `number`:
   * its body, and comments on lines of the changed files. A forge that cannot place a line comment
   * posts it in the body instead.
   */
  review(number: number, review: PullRequestReview): Promise<PullRequestComment>;
  /** Adds labels to pull request `number`; returns all its labels. Optional: the local forge keeps none. */
  addLabels?(number: number, labels: readonly string[]): Promise<string[]>;
  requestReview(number: number, reviewers: readonly string[]): Promise<PullRequest>;
  /** The repository's open pull requests (the open-PR cap counts Warden's among them). */
  openPullRequests(): Promise<PullRequest[]>;
}
