import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RecordedRequest, Reply, Route } from './github-test-server.ts';

export interface GitHubRepositorySettings {
  owner: string;
  name: string;
  /** The bare git repository that holds the repository's objects and branches; its HEAD is the default. */
  bareRepository: string;
  /** Branches GitHub lists as protected. */
  protectedBranches: readonly string[];
  /** Each collaborator's role (`admin`, `maintain`, `write`, `triage`, `read`); anyone else is unknown (404). */
  collaborators?: Readonly<Record<string, string>>;
  /** Numbers of issues that exist besides the pull requests (comments on them are taken). */
  issues?: readonly number[];
  /** GitHub Actions runs by id: their jobs, how each concluded, and its log. */
  runs?: Readonly<
    Record<number, ReadonlyArray<{ id: number; name: string; conclusion: string; log: string }>>
  >;
}

interface StoredPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  reviewers: string[];
  labels?: string[];
}

type Routes = Array<readonly [method: string, path: RegExp, route: Route]>;

/**
 * Routes for {@link startGitHubTestServer} that behave like one GitHub repository: the REST calls a
 * `GitHubForge` makes (repository, protected branches, Git Data API, refs, pull requests, comments,
 * reviewers), with the objects and branches kept in a real bare git repository. Commits are written
 * with `git commit-tree`, so a commit pushed through the Git Data API gets the id git gave it locally,
 * as on GitHub. A ref moved without force must be a fast-forward (422 otherwise, as GitHub answers).
 */
export function gitHubRepositoryRoutes(settings: GitHubRepositorySettings): Routes {
  const pulls: StoredPull[] = [];
  let nextComment = 1;
  const prefix = `/repos/${settings.owner}/${settings.name}`;
  const at = (suffix: string) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}${suffix}$`);
  const git = (args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    execFileSync('git', [`--git-dir=${settings.bareRepository}`, ...args], {
      input: options.input,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  const head = (branch: string): string | null => {
    try {
      return git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]) || null;
    } catch {
      return null;
    }
  };
  const pullBody = (pull: StoredPull) => ({
    number: pull.number,
    head: { ref: pull.head },
    base: { ref: pull.base },
    title: pull.title,
    body: pull.body,
    state: pull.state,
    html_url: `https://github.test/${settings.owner}/${settings.name}/pull/${pull.number}`,
    requested_reviewers: pull.reviewers.map((login) => ({ login })),
  });
  const findPull = (match: RegExpMatchArray) => pulls.find((pull) => pull.number === Number(match[1]));
  const notFound: Reply = { status: 404, body: { message: 'Not Found' } };
  const invalid = (message: string): Reply => ({ status: 422, body: { message } });
  const field = <T>(request: RecordedRequest) => request.body as T;

  return [
    [
      'GET',
      at(''),
      () => ({ status: 200, body: { default_branch: git(['symbolic-ref', '--short', 'HEAD']) } }),
    ],
    [
      'GET',
      at('/branches'),
      () => ({ status: 200, body: settings.protectedBranches.map((name) => ({ name, protected: true })) }),
    ],
    [
      'GET',
      at('/git/commits/([0-9a-f]{40})'),
      (_request, match) => {
        try {
          return {
            status: 200,
            body: { sha: match[1], tree: { sha: git(['rev-parse', `${match[1]}^{tree}`]) } },
          };
        } catch {
          return notFound;
        }
      },
    ],
    [
      'POST',
      at('/git/blobs'),
      (request) => {
        const content = Buffer.from(field<{ content: string }>(request).content, 'base64');
        const sha = execFileSync(
          'git',
          [`--git-dir=${settings.bareRepository}`, 'hash-object', '-w', '--stdin'],
          {
            input: content,
          },
        )
          .toString()
          .trim();
        return { status: 201, body: { sha } };
      },
    ],
    [
      'POST',
      at('/git/trees'),
      (request) => {
        const { base_tree: baseTree, tree } = field<{
          base_tree: string;
          tree: Array<{ path: string; mode: string; sha: string | null }>;
        }>(request);
        const scratch = mkdtempSync(path.join(tmpdir(), 'warden-github-index-'));
        try {
          const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
          git(['read-tree', baseTree], { env });
          for (const entry of tree) {
            if (entry.sha === null) git(['update-index', '--force-remove', '--', entry.path], { env });
            else
              git(['update-index', '--add', '--cacheinfo', `${entry.mode},${entry.sha},${entry.path}`], {
                env,
              });
          }
          return { status: 201, body: { sha: git(['write-tree'], { env }) } };
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
      },
    ],
    [
      'POST',
      at('/git/commits'),
      (request) => {
        const commit = field<{
          message: string;
          tree: string;
          parents: string[];
          author: { name: string; email: string; date: string };
          committer: { name: string; email: string; date: string };
        }>(request);
        const sha = git(['commit-tree', commit.tree, ...commit.parents.flatMap((parent) => ['-p', parent])], {
          input: commit.message,
          env: {
            GIT_AUTHOR_NAME: commit.author.name,
            GIT_AUTHOR_EMAIL: commit.author.email,
            GIT_AUTHOR_DATE: commit.author.date,
            GIT_COMMITTER_NAME: commit.committer.name,
            GIT_COMMITTER_EMAIL: commit.committer.email,
            GIT_COMMITTER_DATE: commit.committer.date,
          },
        });
        return { status: 201, body: { sha } };
      },
    ],
    [
      'GET',
      at('/git/ref/heads/(.+)'),
      (_request, match) => {
        const sha = head(match[1]!);
        return sha ? { status: 200, body: { ref: `refs/heads/${match[1]}`, object: { sha } } } : notFound;
      },
    ],
    [
      'POST',
      at('/git/refs'),
      (request) => {
        const { ref, sha } = field<{ ref: string; sha: string }>(request);
        if (!ref.startsWith('refs/heads/')) return invalid('Reference name is invalid');
        if (head(ref.slice('refs/heads/'.length)) !== null) return invalid('Reference already exists');
        git(['update-ref', ref, sha, '']);
        return { status: 201, body: { ref, object: { sha } } };
      },
    ],
    [
      'PATCH',
      at('/git/refs/heads/(.+)'),
      (request, match) => {
        const { sha, force } = field<{ sha: string; force?: boolean }>(request);
        const current = head(match[1]!);
        if (current === null) return invalid('Reference does not exist');
        if (!force) {
          try {
            git(['merge-base', '--is-ancestor', current, sha]);
          } catch {
            return invalid('Update is not a fast forward');
          }
        }
        git(['update-ref', `refs/heads/${match[1]}`, sha, current]);
        return { status: 200, body: { ref: `refs/heads/${match[1]}`, object: { sha } } };
      },
    ],
    [
      'POST',
      at('/pulls'),
      (request) => {
        const fields = field<{ head: string; base: string; title: string; body?: string }>(request);
        if (head(fields.head) === null || head(fields.base) === null) return invalid('Validation Failed');
        if (pulls.some((pull) => pull.state === 'open' && pull.head === fields.head)) {
          return invalid(`A pull request already exists for ${settings.owner}:${fields.head}.`);
        }
        const pull: StoredPull = {
          number: pulls.length + 1,
          head: fields.head,
          base: fields.base,
          title: fields.title,
          body: fields.body ?? '',
          state: 'open',
          reviewers: [],
        };
        pulls.push(pull);
        return { status: 201, body: pullBody(pull) };
      },
    ],
    [
      'GET',
      at('/pulls'),
      (request) => {
        const state = new URL(request.path, 'http://github.test').searchParams.get('state') ?? 'open';
        const listed = pulls.filter((pull) => state === 'all' || pull.state === state);
        return { status: 200, body: listed.map(pullBody) };
      },
    ],
    [
      'GET',
      at('/pulls/(\\d+)'),
      (request, match) => {
        const pull = findPull(match);
        if (!pull) return notFound;
        if (!request.accept?.includes('diff')) return { status: 200, body: pullBody(pull) };
        const diff = git(['diff', `refs/heads/${pull.base}...refs/heads/${pull.head}`]);
        return { status: 200, body: `${diff}\n`, contentType: 'text/x-diff; charset=utf-8' };
      },
    ],
    [
      'GET',
      at('/actions/runs/(\\d+)/jobs'),
      (_request, match) => {
        const jobs = settings.runs?.[Number(match[1])];
        if (!jobs) return notFound;
        const listed = jobs.map(({ id, name, conclusion }) => ({
          id,
          name,
          conclusion,
          status: 'completed',
        }));
        return { status: 200, body: { total_count: listed.length, jobs: listed } };
      },
    ],
    [
      'GET',
      at('/actions/jobs/(\\d+)/logs'),
      (_request, match) => {
        const job = Object.values(settings.runs ?? {})
          .flat()
          .find((candidate) => candidate.id === Number(match[1]));
        return job ? { status: 200, body: job.log, contentType: 'text/plain' } : notFound;
      },
    ],
    [
      'GET',
      at('/collaborators/([^/]+)/permission'),
      (_request, match) => {
        const role = settings.collaborators?.[match[1]!];
        if (role === undefined) return notFound;
        // GitHub folds maintain into write and triage into read in `permission`; `role_name` is exact.
        const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return { status: 200, body: { permission, role_name: role, user: { login: match[1] } } };
      },
    ],
    [
      'PATCH',
      at('/pulls/(\\d+)'),
      (request, match) => {
        const pull = findPull(match);
        if (!pull) return notFound;
        const update = field<Partial<Pick<StoredPull, 'title' | 'body' | 'state' | 'base'>>>(request);
        if (update.base !== undefined && head(update.base) === null) return invalid('Validation Failed');
        Object.assign(pull, update);
        return { status: 200, body: pullBody(pull) };
      },
    ],
    [
      'POST',
      at('/issues/(\\d+)/comments'),
      (request, match) => {
        if (!findPull(match) && !settings.issues?.includes(Number(match[1]))) return notFound;
        const id = nextComment++;
        return {
          status: 201,
          body: {
            id,
            body: field<{ body: string }>(request).body,
            html_url: `https://github.test/${settings.owner}/${settings.name}/pull/${match[1]}#issuecomment-${id}`,
          },
        };
      },
    ],
    [
      'POST',
      at('/issues/(\\d+)/labels'),
      (request, match) => {
        const pull = findPull(match);
        if (!pull) return notFound;
        pull.labels = [...new Set([...(pull.labels ?? []), ...field<{ labels: string[] }>(request).labels])];
        return { status: 200, body: pull.labels.map((name) => ({ name })) };
      },
    ],
    [
      'POST',
      at('/pulls/(\\d+)/reviews'),
      (request, match) => {
        const pull = findPull(match);
        if (!pull) return notFound;
        const review = field<{
          body: string;
          event: string;
          comments?: Array<{ path: string; line: number }>;
        }>(request);
        // As GitHub: a line comment must be on a file the pull request changes.
        const changed = git([
          'diff',
          '--name-only',
          `refs/heads/${pull.base}...refs/heads/${pull.head}`,
        ]).split('\n');
        if (review.comments?.some((comment) => !changed.includes(comment.path))) {
          return invalid('Unprocessable Entity: pull_request_review_thread.path is not part of the diff');
        }
        const id = nextComment++;
        return {
          status: 200,
          body: {
            id,
            body: review.body,
            state: review.event === 'COMMENT' ? 'COMMENTED' : review.event,
            html_url: `https://github.test/${settings.owner}/${settings.name}/pull/${pull.number}#pullrequestreview-${id}`,
          },
        };
      },
    ],
    [
      'POST',
      at('/pulls/(\\d+)/requested_reviewers'),
      (request, match) => {
        const pull = findPull(match);
        if (!pull) return notFound;
        const { reviewers } = field<{ reviewers: string[] }>(request);
        pull.reviewers = [...new Set([...pull.reviewers, ...reviewers])];
        return { status: 201, body: pullBody(pull) };
      },
    ],
  ];
}
