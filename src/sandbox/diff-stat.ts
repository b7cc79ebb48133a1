import { runGit } from './git.ts';

/** The size of a change, as `git diff --numstat` counts it. Binary files count as changed, with no lines. */
export interface DiffStat {
  filesChanged: number;
  insertions: number;
  deletions: number;
}

/**
 * Counts the files, inserted lines and deleted lines that `commit` changes relative to `since` (default:
 * its first parent, or the empty tree for a root commit), in the git directory `gitDir` (a `.git` or
 * bare directory, named outright: no work tree, so no `.gitattributes`, diff driver or textconv of a
 * work tree applies).
 *
 * @throws SystemError `git-failed` when the commit cannot be read.
 */
export async function readDiffStat(gitDir: string, commit: string, since?: string): Promise<DiffStat> {
  const { stdout } = await runGit(
    [
      'diff-tree',
      '--root',
      '--no-commit-id',
      '-r',
      '--numstat',
      '-z',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      ...(since === undefined ? [] : [since]),
      commit,
    ],
    { cwd: gitDir, env: { GIT_DIR: gitDir } },
  );
  const stat: DiffStat = { filesChanged: 0, insertions: 0, deletions: 0 };
  // With -z and no renames every record is "<added>\t<deleted>\t<path>\0"; binary files show "-".
  for (const record of stdout.split('\0')) {
    const [added, deleted] = record.split('\t');
    if (added === undefined || deleted === undefined) continue;
    stat.filesChanged += 1;
    stat.insertions += Number.parseInt(added, 10) || 0;
    stat.deletions += Number.parseInt(deleted, 10) || 0;
  }
  return stat;
}
