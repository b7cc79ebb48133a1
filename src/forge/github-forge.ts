import type { Octokit } from '@octokit/rest';
import type { PullRequest, PullRequestComment } from '../spec/actions.ts';
import { SystemError, WardenError } from '../spec/errors.ts';
import type {
  Forge,
  OpenPullRequest,
  PullRequestReview,
  PullRequestUpdate,
  PushRequest,
  PushResult,
} from '../spec/forge.ts';
import { octokitGitData, pushThroughGitData } from './internal/github-push.ts';
import { refuseProtectedPush } from './internal/refuse-protected-push.ts';
import { reviewText } from './internal/review-text.ts';

/** GitHub App permissions, as the token source is asked for them. */
export type GitHubPermissionSet = Readonly<Record<string, 'read' | 'write'>>;

export interface GitHubForgeSettings {
  owner: string;
  /** The repository name, without the owner. */
  name: string;
  /** The REST API base URL. Default `https://api.github.com`. */
  baseUrl?: string;
  /**
   * Hands out a token for this repository with the given permissions (the credential broker's
   * installation tokens). Called for every request, so the source decides about caching.
   */
  token: (permissions: GitHubPermissionSet) => Promise<string>;
}

const PULL_REQUESTS_WRITE: GitHubPermissionSet = { pull_requests: 'write' };
const METADATA_READ: GitHubPermissionSet = { metadata: 'read' };
const PULL_REQUESTS_READ: GitHubPermissionSet = { pull_requests: 'read' };
const ACTIONS_READ: GitHubPermissionSet = { actions: 'read' };
const CONTENTS_WRITE: GitHubPermissionSet = { contents: 'write' };

/** The roles that may push to a repository, as GitHub names them. */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

type GitHubPull = {
  number: number;
  head: { ref: string };
  base: { ref: string };
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  requested_reviewers?: Array<{ login: string }> | null;
};

/**
 * GitHub through Octokit's REST client, each call with an installation token narrowed to the
 * repository and the least permission the call needs. Pushes go through the Git Data API (blobs, a
 * tree, a commit, a ref moved without force), since Warden's hardened git refuses every network
 * transport.
 */
export class GitHubForge implements Forge {
  readonly kind = 'github';
  readonly repository: string;
  readonly #settings: GitHubForgeSettings;
  readonly #clients = new Map<string, Octokit>();

  constructor(settings: GitHubForgeSettings) {
    this.#settings = settings;
    this.repository = `${settings.owner}/${settings.name}`;
  }

  async defaultBranch(): Promise<string> {
    const octokit = await this.#client(METADATA_READ);
    const response = await this.#call('read the repository', () =>
      octokit.rest.repos.get({ owner: this.#settings.owner, repo: this.#settings.name }),
    );
    return response.data.default_branch;
  }

  async protectedBranches(): Promise<string[]> {
    const octokit = await this.#client(METADATA_READ);
    const response = await this.#call('list protected branches', () =>
      octokit.rest.repos.listBranches({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        protected: true,
        per_page: 100,
      }),
    );
    return [await this.defaultBranch(), ...response.data.map((branch) => branch.name)];
  }

  async pushBranch(request: PushRequest): Promise<PushResult> {
    await refuseProtectedPush(this, request.branch);
    const octokit = await this.#client(CONTENTS_WRITE);
    const { owner, name } = this.#settings;
    return await this.#call(`push ${request.branch}`, () =>
      pushThroughGitData(octokitGitData(octokit, owner, name), request),
    );
  }

  async openPullRequest(request: OpenPullRequest): Promise<PullRequest> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const response = await this.#call('open a pull request', () =>
      octokit.rest.pulls.create({ owner: this.#settings.owner, repo: this.#settings.name, ...request }),
    );
    return toPullRequest(response.data as GitHubPull);
  }

  async updatePullRequest(number: number, update: PullRequestUpdate): Promise<PullRequest> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const response = await this.#call(`update pull request #${number}`, () =>
      octokit.rest.pulls.update({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        pull_number: number,
        ...update,
      }),
    );
    return toPullRequest(response.data as GitHubPull);
  }

  async comment(number: number, body: string): Promise<PullRequestComment> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const response = await this.#call(`comment on pull request #${number}`, () =>
      octokit.rest.issues.createComment({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        issue_number: number,
        body,
      }),
    );
    return {
      id: response.data.id,
      pullRequest: number,
      body: response.data.body ?? body,
      url: response.data.html_url,
    };
  }

  /**
   * A review that only comments (`event: COMMENT`). When GitHub refuses its line comments (422: a line
   * outside the diff), the review is posted again with them in its body.
   */
  async review(number: number, review: PullRequestReview): Promise<PullRequestComment> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const { owner, name } = this.#settings;
    const post = (body: string, comments: PullRequestReview['comments']) =>
      octokit.rest.pulls.createReview({
        owner,
        repo: name,
        pull_number: number,
        event: 'COMMENT',
        body,
        comments: comments.map((comment) => ({ ...comment, side: 'RIGHT' as const })),
      });
    const response = await this.#call(`review pull request #${number}`, async () => {
      try {
        return await post(review.body, review.comments);
      } catch (error) {
        if ((error as { status?: number }).status !== 422 || review.comments.length === 0) throw error;
        return await post(reviewText(review), []);
      }
    });
    return {
      id: response.data.id,
      pullRequest: number,
      body: response.data.body ?? review.body,
      url: response.data.html_url,
    };
  }

  async addLabels(number: number, labels: readonly string[]): Promise<string[]> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const response = await this.#call(`label pull request #${number}`, () =>
      octokit.rest.issues.addLabels({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        issue_number: number,
        labels: [...labels],
      }),
    );
    return response.data.map((label) => label.name);
  }

  async requestReview(number: number, reviewers: readonly string[]): Promise<PullRequest> {
    const octokit = await this.#client(PULL_REQUESTS_WRITE);
    const response = await this.#call(`request review on pull request #${number}`, () =>
      octokit.rest.pulls.requestReviewers({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        pull_number: number,
        reviewers: [...reviewers],
      }),
    );
    return toPullRequest(response.data as GitHubPull);
  }

  async openPullRequests(): Promise<PullRequest[]> {
    const octokit = await this.#client(PULL_REQUESTS_READ);
    const pulls = await this.#call('list open pull requests', () =>
      octokit.paginate(octokit.rest.pulls.list, {
        owner: this.#settings.owner,
        repo: this.#settings.name,
        state: 'open',
        per_page: 100,
      }),
    );
    return (pulls as GitHubPull[]).map(toPullRequest);
  }

  /**
   * The logs of the jobs of workflow run `runId` that failed (latest attempt), each with its job's name,
   * as GitHub Actions keeps them.
   */
  async failedJobLogs(runId: number): Promise<Array<{ job: string; log: string }>> {
    const octokit = await this.#client(ACTIONS_READ);
    const { owner, name } = this.#settings;
    const jobs = await this.#call(`list the jobs of run ${runId}`, () =>
      octokit.rest.actions.listJobsForWorkflowRun({
        owner,
        repo: name,
        run_id: runId,
        filter: 'latest',
        per_page: 100,
      }),
    );
    const failed = jobs.data.jobs.filter((job) => job.conclusion === 'failure');
    const logs: Array<{ job: string; log: string }> = [];
    for (const job of failed) {
      const response = await this.#call(`read the log of job ${job.name}`, () =>
        octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner, repo: name, job_id: job.id }),
      );
      const data = response.data as unknown;
      logs.push({
        job: job.name,
        log: typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8'),
      });
    }
    return logs;
  }

  /** The unified diff of pull request `number`, as GitHub renders it. */
  async pullDiff(number: number): Promise<string> {
    const octokit = await this.#client(PULL_REQUESTS_READ);
    const response = await this.#call(`read the diff of pull request #${number}`, () =>
      octokit.rest.pulls.get({
        owner: this.#settings.owner,
        repo: this.#settings.name,
        pull_number: number,
        mediaType: { format: 'diff' },
      }),
    );
    return String(response.data as unknown);
  }

  /**
   * Whether `login` may write to the repository (GitHub's `admin`, `maintain` or `write` role), by the
   * collaborator permission endpoint; someone GitHub does not know has no access.
   *
   * @throws SystemError `forge-failed` (retryable) when GitHub cannot say.
   */
  async writeAccess(login: string): Promise<{ allowed: boolean; permission: string }> {
    const octokit = await this.#client(METADATA_READ);
    const permission = await this.#call(`read ${login}'s permission`, async () => {
      try {
        const response = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: this.#settings.owner,
          repo: this.#settings.name,
          username: login,
        });
        // `permission` folds maintain into write and triage into read; `role_name` says which.
        return (response.data as { role_name?: string }).role_name ?? response.data.permission;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'none';
        throw error;
      }
    });
    return { allowed: WRITE_ROLES.has(permission), permission };
  }

  async #client(permissions: GitHubPermissionSet): Promise<Octokit> {
    const token = await this.#settings.token(permissions);
    // One client per token (the token source caches tokens): building one costs more than a call.
    const cached = this.#clients.get(token);
    if (cached) return cached;
    // Imported on the first call to GitHub, not by every command that opens Warden.
    const { Octokit } = await import('@octokit/rest');
    const client = new Octokit({ auth: token, baseUrl: this.#settings.baseUrl ?? 'https://api.github.com' });
    // Tokens expire and are replaced: keep only the newest few.
    if (this.#clients.size >= 8) this.#clients.delete(this.#clients.keys().next().value!);
    this.#clients.set(token, client);
    return client;
  }

  /** Runs one REST call; a failure becomes `forge-failed` with GitHub's status and message, no headers. */
  async #call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof WardenError) throw error;
      const status = (error as { status?: number }).status;
      const message = error instanceof Error ? error.message : String(error);
      throw new SystemError(
        'forge-failed',
        `GitHub refused to ${what} in ${this.repository}${status ? ` (HTTP ${status})` : ''}: ${message}`,
        { isRetryable: status === undefined || status >= 500 },
      );
    }
  }
}

function toPullRequest(pull: GitHubPull): PullRequest {
  return {
    number: pull.number,
    head: pull.head.ref,
    base: pull.base.ref,
    title: pull.title,
    body: pull.body ?? '',
    state: pull.state === 'closed' ? 'closed' : 'open',
    url: pull.html_url,
    reviewers: (pull.requested_reviewers ?? []).map((reviewer) => reviewer.login),
  };
}
