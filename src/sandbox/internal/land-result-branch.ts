import { constants } from 'node:fs';
import { chmod, copyFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TASK_TRAILER } from '../../spec/task-trailers.ts';
import { runGit } from '../git.ts';

export interface LandSettings {
  /** The root of the user's work tree. */
  workTree: string;
  /** The user's common git directory (objects, refs and every worktree's HEAD). */
  commonDir: string;
  /** The private git directory `git fast-import` wrote the result into. */
  gitDir: string;
  /** The result commit. */
  commit: string;
  /** The commit it was made on: the user's HEAD when the task started. */
  baseCommit: string;
  /** `warden/<taskId>`. */
  branch: string;
}

/**
 * Brings the result commit into the user's repository as a new branch by copying the pack
 * `git fast-import` wrote (it holds exactly the objects the import made, none of them a delta against
 * an object outside it) into the repository's object store, then creating the branch. Two git processes
 * instead of a fetch's five (fetch, upload-pack, pack-objects, unpack-objects and its connectivity
 * check); the user's work tree, index and HEAD are not touched, and no hook runs.
 *
 * Returns false, having created nothing, whenever the way is not plain — the branch exists already, a
 * worktree's HEAD names it, the repository keeps its refs in a reftable, an object the commit needs is
 * not in the repository (the connectivity check a fetch makes, `rev-list --objects`, run here too) —
 * and the caller fetches as before. A pack copied by then stays: its objects are only unreferenced.
 */
export async function landResultBranch(settings: LandSettings): Promise<boolean> {
  const { commonDir, branch } = settings;
  const ref = `refs/heads/${branch}`;
  if (await usesReftable(commonDir)) return false;
  if (await anyHeadNames(commonDir, ref)) return false;
  const packDir = path.join(commonDir, 'objects', 'pack');
  const copied = await copyPacks(path.join(settings.gitDir, 'objects', 'pack'), packDir).then(
    () => true,
    () => false,
  );
  if (!copied) return false;
  const git = (args: string[]) => runGit(args, { cwd: settings.workTree });
  const connected = await git([
    'rev-list',
    '--objects',
    '--quiet',
    settings.commit,
    '--not',
    settings.baseCommit,
  ]).then(
    () => true,
    () => false,
  );
  if (!connected) return false;
  // The empty old value: created only if it does not exist yet, never moved.
  return await git(['update-ref', '-m', 'warden: task result', ref, settings.commit, '']).then(
    () => true,
    () => false,
  );
}

/** Whether the repository keeps its refs in a reftable (where HEAD files do not say what HEAD names). */
async function usesReftable(commonDir: string): Promise<boolean> {
  return await stat(path.join(commonDir, 'reftable')).then(
    () => true,
    () => false,
  );
}

/** Whether the HEAD of the main checkout or of any linked worktree names `ref` (an unborn branch, too). */
async function anyHeadNames(commonDir: string, ref: string): Promise<boolean> {
  const worktrees = await readdir(path.join(commonDir, 'worktrees')).catch(() => []);
  const heads = [
    path.join(commonDir, 'HEAD'),
    ...worktrees.map((name) => path.join(commonDir, 'worktrees', name, 'HEAD')),
  ];
  for (const head of heads) {
    const content = await readFile(head, 'utf8').catch(() => '');
    if (content.trim() === `ref: ${ref}`) return true;
  }
  return false;
}

/**
 * Copies every pack of `fromDir` into `toDir` the way git adds one: under a temporary name first, the
 * pack before its index (git only opens a pack through its index), read-only. A pack of the same name is
 * the same content (the name is its checksum) and is left as it is.
 */
async function copyPacks(fromDir: string, toDir: string): Promise<void> {
  const names = await readdir(fromDir);
  for (const name of names.filter((file) => /^pack-[0-9a-f]+\.idx$/.test(file))) {
    const pack = `${name.slice(0, -'.idx'.length)}.pack`;
    if (!names.includes(pack)) continue;
    for (const file of [pack, name]) {
      const target = path.join(toDir, file);
      if (
        await stat(target).then(
          () => true,
          () => false,
        )
      )
        continue;
      const temporary = path.join(toDir, `tmp_warden_${process.pid}_${file}`);
      try {
        await copyFile(
          path.join(fromDir, file),
          temporary,
          constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE,
        );
        await chmod(temporary, 0o444);
        await rename(temporary, target);
      } finally {
        await rm(temporary, { force: true });
      }
    }
  }
}

/**
 * Deletes `branch` when an earlier run of the same task saved it (a run interrupted after it landed the
 * branch, then resumed): its commit's trailers name the task. Only while it points at that commit; a
 * branch that names no task, or another, is left for the landing to refuse.
 */
export async function dropEarlierResult(workTree: string, taskId: string, branch: string): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const earlier = await runGit(['log', '-1', '--format=%H%n%B', ref, '--'], { cwd: workTree }).then(
    (result) => result.stdout,
    () => undefined,
  );
  if (earlier === undefined) return;
  const [commit = '', ...message] = earlier.split('\n');
  if (!message.includes(`${TASK_TRAILER}: ${taskId}`)) return;
  await runGit(['update-ref', '-d', ref, commit], { cwd: workTree });
}
