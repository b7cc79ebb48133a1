import type { Octokit } from '@octokit/rest';
import { runGit } from '../../sandbox/index.ts';
import { UserError } from '../../spec/errors.ts';
import type { PushRequest, PushResult } from '../../spec/forge.ts';

/** One entry of a GitHub tree request: a blob to set, or (`sha: null`) a path to delete. */
interface TreeEntry {
  path: string;
  mode: '100644' | '100755' | '120000';
  type: 'blob';
  sha: string | null;
}

/** What GitHub is asked to do, step by step, by {@link pushThroughGitData}. */
export interface GitDataCalls {
  /** `null` when GitHub does not have the commit. */
  commitTree(commit: string): Promise<string | null>;
  createBlob(contentBase64: string): Promise<string>;
  createTree(baseTree: string, entries: TreeEntry[]): Promise<string>;
  createCommit(fields: {
    message: string;
    tree: string;
    parents: string[];
    author: { name: string; email: string; date: string };
    committer: { name: string; email: string; date: string };
  }): Promise<string>;
  /** `null` when the branch does not exist. */
  branchHead(branch: string): Promise<string | null>;
  createBranch(branch: string, commit: string): Promise<void>;
  /** Moves the branch without force: GitHub refuses anything but a fast-forward. */
  moveBranch(branch: string, commit: string): Promise<void>;
}

/**
 * Pushes one commit to GitHub without a git transport (Warden's git refuses every network protocol):
 * the commit's changes against its parent are sent as blobs, a tree on the parent's tree, and a commit
 * with the same message, author and dates; then the branch is created or fast-forwarded (never forced).
 * The parent must already be on GitHub, which holds for a task's branch: it starts at the repository's
 * HEAD, which the user has pushed.
 *
 * @throws UserError `action-invalid` for a merge commit, a submodule change, or a parent GitHub lacks.
 */
export async function pushThroughGitData(github: GitDataCalls, request: PushRequest): Promise<PushResult> {
  const git = async (...args: string[]) => await runGit(args, { cwd: request.sourceDir });
  const [, ...parents] = (await git('rev-list', '--parents', '-n', '1', request.commit)).stdout
    .trim()
    .split(' ');
  if (parents.length !== 1) {
    throw new UserError(
      'action-invalid',
      `${request.commit} has ${parents.length} parents; only a commit with one is pushed to GitHub`,
    );
  }
  const parent = parents[0]!;
  const baseTree = await github.commitTree(parent);
  if (baseTree === null) {
    throw new UserError(
      'action-invalid',
      `GitHub does not have ${parent}, the commit the task started from`,
      {
        hint: 'push your branch to GitHub first, then deliver again',
      },
    );
  }
  const entries: TreeEntry[] = [];
  const raw = (
    await git('diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--raw', parent, request.commit)
  ).stdout;
  const fields = raw.split('\0');
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const [oldMode, newMode, , newSha, status] = fields[index]!.slice(1).split(' ');
    const path = fields[index + 1]!;
    if (status === 'D') {
      entries.push({ path, mode: fileMode(oldMode!, path), type: 'blob', sha: null });
      continue;
    }
    const mode = fileMode(newMode!, path);
    const content = (await git('cat-file', 'blob', newSha!)).stdoutBytes;
    const sha = await github.createBlob(content.toString('base64'));
    entries.push({ path, mode, type: 'blob', sha });
  }
  const tree = await github.createTree(baseTree, entries);
  const format = (
    await git('show', '-s', '--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', request.commit)
  ).stdout;
  const [authorName, authorEmail, authorDate, committerName, committerEmail, committerDate, ...message] =
    format.split('\0');
  const commit = await github.createCommit({
    message: message.join('\0').replace(/\n+$/, '\n'),
    tree,
    parents: [parent],
    author: { name: authorName!, email: authorEmail!, date: authorDate! },
    committer: { name: committerName!, email: committerEmail!, date: committerDate! },
  });
  const previous = await github.branchHead(request.branch);
  if (previous === null) await github.createBranch(request.branch, commit);
  else await github.moveBranch(request.branch, commit);
  return { branch: request.branch, commit, previous };
}

function fileMode(mode: string, path: string): TreeEntry['mode'] {
  if (mode === '100644' || mode === '100755' || mode === '120000') return mode;
  throw new UserError(
    'action-invalid',
    `${path} has git mode ${mode} (a submodule?), which is not pushed to GitHub`,
  );
}

/** The Git Data calls through Octokit, on one repository. */
export function octokitGitData(octokit: Octokit, owner: string, repo: string): GitDataCalls {
  const notFound = (error: unknown) => (error as { status?: number }).status === 404;
  return {
    async commitTree(commit) {
      try {
        return (await octokit.rest.git.getCommit({ owner, repo, commit_sha: commit })).data.tree.sha;
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    async createBlob(content) {
      return (await octokit.rest.git.createBlob({ owner, repo, content, encoding: 'base64' })).data.sha;
    },
    async createTree(baseTree, tree) {
      return (await octokit.rest.git.createTree({ owner, repo, base_tree: baseTree, tree: tree as never }))
        .data.sha;
    },
    async createCommit(fields) {
      return (await octokit.rest.git.createCommit({ owner, repo, ...fields })).data.sha;
    },
    async branchHead(branch) {
      try {
        return (await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    async createBranch(branch, commit) {
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
    },
    async moveBranch(branch, commit) {
      await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
    },
  };
}
