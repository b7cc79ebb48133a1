import path from 'node:path';
import { runGit } from '../sandbox/index.ts';
import type { PullRequest, PullRequestComment, PullRequestStore } from '../spec/actions.ts';
import { SystemError, UserError } from '../spec/errors.ts';
import type {
  Forge,
  OpenPullRequest,
  PullRequestReview,
  PullRequestUpdate,
  PushRequest,
  PushResult,
} from '../spec/forge.ts';
import { refuseProtectedPush } from './internal/refuse-protected-push.ts';
import { reviewText } from './internal/review-text.ts';

export interface LocalForgeSettings {
  /** The bare git repository that plays the remote. */
  bareRepository: string;
  /** Where pull requests are recorded (the store's `SqliteActionStore`). */
  pullRequests: PullRequestStore;
  /** The name policy and credentials use. Default: the bare repository's absolute path. */
  repository?: string;
  /** Branches to protect besides the default branch. */
  protectedBranches?: readonly string[];
}

/**
 * A forge for offline use and tests: a bare git repository as the remote (through the hardened
 * `runGit`), pull requests and comments recorded in the store.
 */
export class LocalForge implements Forge {
  readonly kind = 'local';
  readonly repository: string;
  readonly #bare: string;
  readonly #pullRequests: PullRequestStore;
  readonly #protected: readonly string[];

  constructor(settings: LocalForgeSettings) {
    this.#bare = path.resolve(settings.bareRepository);
    this.repository = settings.repository ?? this.#bare;
    this.#pullRequests = settings.pullRequests;
    this.#protected = settings.protectedBranches ?? [];
  }

  async defaultBranch(): Promise<string> {
    const { stdout } = await this.#git(['symbolic-ref', '--short', 'HEAD']);
    return stdout.trim();
  }

  async protectedBranches(): Promise<string[]> {
    return [await this.defaultBranch(), ...this.#protected];
  }

  async pushBranch(request: PushRequest): Promise<PushResult> {
    await refuseProtectedPush(this, request.branch);
    const previous = await this.#branchHead(request.branch);
    // No `+` on the refspec and no --force: git itself refuses anything but a fast-forward.
    await runGit(['push', '--porcelain', this.#bare, `${request.commit}:refs/heads/${request.branch}`], {
      cwd: request.sourceDir,
    });
    return { branch: request.branch, commit: request.commit, previous };
  }

  async openPullRequest(request: OpenPullRequest): Promise<PullRequest> {
    if ((await this.#branchHead(request.head)) === null) {
      throw new UserError('action-invalid', `the branch ${request.head} does not exist on the local forge`);
    }
    if ((await this.#branchHead(request.base)) === null) {
      throw new UserError(
        'action-invalid',
        `the base branch ${request.base} does not exist on the local forge`,
      );
    }
    const existing = (await this.#pullRequests.listPullRequests(this.repository)).find(
      (pullRequest) => pullRequest.state === 'open' && pullRequest.head === request.head,
    );
    if (existing) {
      throw new UserError(
        'action-invalid',
        `a pull request from ${request.head} is already open (#${existing.number})`,
      );
    }
    return await this.#pullRequests.createPullRequest(this.repository, request);
  }

  async updatePullRequest(number: number, update: PullRequestUpdate): Promise<PullRequest> {
    return await this.#pullRequests.updatePullRequest(this.repository, number, update);
  }

  async comment(number: number, body: string): Promise<PullRequestComment> {
    return await this.#pullRequests.addComment(this.repository, number, body);
  }

  async requestReview(number: number, reviewers: readonly string[]): Promise<PullRequest> {
    const current = await this.#pullRequests.getPullRequest(this.repository, number);
    if (!current) throw new UserError('action-invalid', `the local forge has no pull request #${number}`);
    const merged = [...new Set([...current.reviewers, ...reviewers])];
    return await this.#pullRequests.updatePullRequest(this.repository, number, { reviewers: merged });
  }

  /** A review, kept as a comment: its body, then each line comment as `path:line: text`. */
  async review(number: number, review: PullRequestReview): Promise<PullRequestComment> {
    return await this.comment(number, reviewText(review));
  }

  async openPullRequests(): Promise<PullRequest[]> {
    const all = await this.#pullRequests.listPullRequests(this.repository);
    return all.filter((pull) => pull.state === 'open');
  }

  async #branchHead(branch: string): Promise<string | null> {
    try {
      const { stdout } = await this.#git([
        'rev-parse',
        '--verify',
        '--quiet',
        `refs/heads/${branch}^{commit}`,
      ]);
      return stdout.trim() || null;
    } catch (error) {
      if (error instanceof SystemError && error.code === 'git-failed') return null;
      throw error;
    }
  }

  #git(args: readonly string[]) {
    return runGit([`--git-dir=${this.#bare}`, ...args], { cwd: this.#bare });
  }
}
