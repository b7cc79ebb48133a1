import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../spec/errors.ts';
import { runGit } from './git.ts';

/** A repository Warden can work on: the root of a git work tree with at least one commit. */
export interface ResolvedRepository {
  /** The work tree's root, as git names it. */
  root: string;
  /** The commit HEAD points at. */
  head: string;
  /**
   * The repository's common git directory (its objects and refs; a linked worktree's is the main
   * checkout's), absolute. Undefined when it was not read (an unusual layout, looked at step by step).
   */
  commonDir?: string | undefined;
}

/**
 * Checks that `repo` is the root of a git work tree with a commit, and returns that root and its HEAD.
 * A folder inside a repository is refused rather than widened to the whole repository: the agent would
 * otherwise work on (and branch) far more than the user pointed it at.
 *
 * @throws UserError `repo-invalid` for a missing path, a file, a folder that is not in a repository, a
 *   folder inside one (the hint names the root), a bare repository, the inside of a `.git` directory, a
 *   repository owned by another user, and a repository with no commits.
 */
export async function resolveRepository(repo: string): Promise<ResolvedRepository> {
  const absolute = path.resolve(repo);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw repoInvalid(`${absolute} does not exist`, 'pass the root folder of a git repository');
  if (!info.isDirectory()) {
    throw repoInvalid(
      `${absolute} is a file, not a repository`,
      `pass the root folder of the git repository that holds it, not the file itself`,
    );
  }
  // The usual case in one git call: the root of a work tree with a commit. Anything else is looked at
  // again, step by step, to say what is wrong.
  const quick = await runGit(
    [
      'rev-parse',
      '--is-bare-repository',
      '--is-inside-git-dir',
      '--is-inside-work-tree',
      '--show-toplevel',
      '--git-common-dir',
      '--verify',
      'HEAD^{commit}',
    ],
    { cwd: absolute },
  ).catch(() => null);
  const [bareQuick, gitDirQuick, workTreeQuick, rootQuick, commonQuick, headQuick, ...rest] =
    quick?.stdout.split('\n') ?? [];
  if (
    bareQuick === 'false' &&
    gitDirQuick === 'false' &&
    workTreeQuick === 'true' &&
    rootQuick &&
    commonQuick &&
    headQuick &&
    rest.join('') === '' &&
    (await realpath(absolute)) === (await realpath(rootQuick))
  ) {
    return { root: rootQuick, head: headQuick, commonDir: path.resolve(absolute, commonQuick) };
  }
  let facts: string[];
  try {
    facts = (
      await runGit(['rev-parse', '--is-bare-repository', '--is-inside-git-dir', '--is-inside-work-tree'], {
        cwd: absolute,
      })
    ).stdout
      .trim()
      .split('\n');
  } catch (error) {
    const text = error instanceof Error ? error.message : '';
    if (text.includes('dubious ownership')) {
      throw repoInvalid(
        `${absolute} belongs to another user, so git refuses to work in it`,
        'run Warden as the owner of the repository',
        error,
      );
    }
    // Git refuses to discover a bare repository, or a `.git` directory, by itself
    // (safe.bareRepository=explicit): say which it is.
    if (absolute.split(path.sep).includes('.git')) throw insideGitDirectory(absolute);
    if (await isBareRepository(absolute)) throw bareRepository(absolute);
    throw repoInvalid(
      `${absolute} is not a git repository`,
      'run `git init` there, or pass a repository',
      error,
    );
  }
  const [bare, insideGitDir, insideWorkTree] = facts;
  if (bare === 'true') throw bareRepository(absolute);
  if (insideGitDir === 'true') throw insideGitDirectory(absolute);
  if (insideWorkTree !== 'true') {
    throw repoInvalid(`${absolute} is not inside a git work tree`, 'pass the root folder of a checkout');
  }
  const root = (await runGit(['rev-parse', '--show-toplevel'], { cwd: absolute })).stdout.trim();
  if ((await realpath(absolute)) !== (await realpath(root))) {
    throw repoInvalid(
      `${absolute} is a folder inside the git repository ${root}, not its root`,
      `pass the repository's root: --repo ${root} (name the folder in the task if the work is there)`,
    );
  }
  try {
    const head = (await runGit(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: root })).stdout.trim();
    return { root, head };
  } catch (error) {
    throw repoInvalid(`${root} has no commits yet`, 'commit something first: Warden works from HEAD', error);
  }
}

async function isBareRepository(dir: string): Promise<boolean> {
  try {
    const { stdout } = await runGit([`--git-dir=${dir}`, 'rev-parse', '--is-bare-repository'], { cwd: dir });
    return stdout.trim() === 'true';
  } catch {
    return false;
  }
}

function insideGitDirectory(dir: string): UserError {
  return repoInvalid(
    `${dir} is inside a repository's .git directory`,
    'pass the folder that holds .git, the root of its work tree',
  );
}

function bareRepository(dir: string): UserError {
  return repoInvalid(
    `${dir} is a bare repository: it has no work tree to copy`,
    `pass a checkout of it: \`git clone ${dir} DIR\`, then --repo DIR`,
  );
}

function repoInvalid(message: string, hint: string, cause?: unknown): UserError {
  return new UserError('repo-invalid', message, { hint, cause });
}
