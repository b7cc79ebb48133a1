import path from 'node:path';
import { runGit } from '../sandbox/index.ts';
import { SystemError, UserError } from '../spec/errors.ts';

/** Where the reference fix of a promoted task came from. */
export type FixSource = 'option' | 'pull-request' | 'mention';

/** A human fix found in the task's repository, as a commit. */
export interface ReferenceFix {
  commit: string;
  source: FixSource;
  /** Other commits that mention the task, not taken (`--fix` picks one of them instead). */
  otherMentions: string[];
}

/** The diff from the base to the fix, split as SWE-bench splits a fix: the code, and the tests. */
export interface ReferencePatches {
  patch: string;
  testPatch: string;
  codeFiles: string[];
  testFiles: string[];
  /** Commits in base..fix: more than one means the reference holds every change in between too. */
  commits: number;
  /** Whether the base is an ancestor of the fix (when not, the diff also undoes what the fix lacks). */
  descends: boolean;
}

const TEST_DIRECTORY = /(?:^|\/)(?:test|tests|__tests__|spec)\//;
const TEST_FILE = /(?:\.test\.[^/]+|\.spec\.[^/]+|_test\.[^/]+|(?:^|\/)test_[^/]*\.py)$/;

/**
 * Whether a path is a test: under a `test/`, `tests/`, `__tests__/` or `spec/` directory, or named
 * `*.test.*`, `*.spec.*`, `*_test.*` or `test_*.py`.
 */
export function isTestPath(file: string): boolean {
  return TEST_DIRECTORY.test(file) || TEST_FILE.test(file);
}

/**
 * The full id of `commit` in `repository`; `undefined` when it names no commit there.
 */
export async function resolveCommit(repository: string, commit: string): Promise<string | undefined> {
  try {
    const { stdout } = await runGit(
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^{commit}`],
      {
        cwd: repository,
      },
    );
    return stdout.trim() || undefined;
  } catch (error) {
    if (error instanceof SystemError && error.code === 'git-failed') return undefined;
    throw error;
  }
}

/**
 * The reference a merged pull request gives: the head of its branch as merged (the merge commit's
 * second parent), or the merge commit itself for a squash or rebase merge. `undefined` when the
 * repository does not hold the merge commit (fetch it, or name the fix with `--fix`).
 */
export async function mergedHead(repository: string, mergeCommit: string): Promise<string | undefined> {
  if ((await resolveCommit(repository, mergeCommit)) === undefined) return undefined;
  return (
    (await resolveCommit(repository, `${mergeCommit}^2`)) ?? (await resolveCommit(repository, mergeCommit))
  );
}

/**
 * Commits after `base` on the repository's default branch (`origin/HEAD` when the repository has it,
 * else `HEAD`) whose message names the task (a `Warden-Task:` trailer, `warden trace ID`, any mention),
 * oldest first, leaving out the task's own commits (`exclude`, and whatever its branch holds), merge
 * commits and reverts: those carry the id without fixing anything.
 */
export async function commitsMentioning(
  repository: string,
  options: { taskId: string; base: string; branch: string | null; exclude: readonly string[] },
): Promise<string[]> {
  const git = (args: string[]) => runGit(args, { cwd: repository });
  const originHead = await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']).then(
    (result) => result.stdout.trim(),
    () => '',
  );
  const branch =
    options.branch !== null && (await resolveCommit(repository, `refs/heads/${options.branch}`)) !== undefined
      ? [`^refs/heads/${options.branch}`]
      : [];
  let log: string;
  try {
    log = (
      await git([
        'log',
        '--no-merges',
        '--reverse',
        '--fixed-strings',
        `--grep=${options.taskId}`,
        '--format=%H%x1f%B%x1e',
        `${options.base}..${originHead || 'HEAD'}`,
        ...branch,
        '--',
      ])
    ).stdout;
  } catch (error) {
    if (error instanceof SystemError && error.code === 'git-failed') return [];
    throw error;
  }
  const excluded = new Set(options.exclude);
  return log
    .split('\x1e')
    .map((record) => record.trim().split('\x1f'))
    .filter(
      ([commit, message]) => commit && !excluded.has(commit) && !/This reverts commit/.test(message ?? ''),
    )
    .map(([commit]) => commit!);
}

/**
 * The diff `base`..`fix` of the repository (binary-safe, renames as a deletion and an addition), split
 * into the code and the tests by `isTestPath`.
 *
 * @throws UserError `repo-invalid` when git cannot diff the two in `repository`.
 */
export async function referencePatches(
  repository: string,
  base: string,
  fix: string,
): Promise<ReferencePatches> {
  const git = (args: string[]) => runGit(args, { cwd: repository });
  const diff = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-renames'];
  let names: string[];
  try {
    names = (await git(['diff', '--name-only', '-z', ...diff, base, fix, '--'])).stdout
      .split('\0')
      .filter(Boolean);
  } catch (error) {
    throw new UserError(
      'repo-invalid',
      `cannot diff ${base}..${fix} in ${repository}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const testFiles = names.filter(isTestPath);
  const codeFiles = names.filter((name) => !isTestPath(name));
  const patchOf = async (files: string[]) =>
    files.length === 0
      ? ''
      : (await git(['--literal-pathspecs', 'diff', '--binary', ...diff, base, fix, '--', ...files])).stdout;
  const commits = Number((await git(['rev-list', '--count', `${base}..${fix}`])).stdout.trim());
  const descends = await git(['merge-base', '--is-ancestor', base, fix]).then(
    () => true,
    () => false,
  );
  return {
    patch: await patchOf(codeFiles),
    testPatch: await patchOf(testFiles),
    codeFiles,
    testFiles,
    commits,
    descends,
  };
}

/** The name an instance gives a repository without a forge name: its folder's. */
export function folderName(repository: string): string {
  return path.basename(path.resolve(repository));
}
