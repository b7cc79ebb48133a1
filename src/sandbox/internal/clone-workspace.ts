import { constants } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '../git.ts';
import { discardMirror, mirrorGitDir, mirrorPacks, updateMirror } from './repository-mirror.ts';

/** The ref a workspace's base commit is kept under (what `reopenWorkspace` reads back). */
export const BASE_REF = 'refs/warden/base';

/**
 * Checkout writes files with one worker per core once there are enough of them: about 1.4 times faster
 * on two idle cores for a 6,700-file tree (git's default is one worker).
 */
const PARALLEL_CHECKOUT = { 'checkout.workers': '0' };

export interface CloneSettings {
  /** The root of the user's work tree; only read. */
  workTree: string;
  /** The workspace's work tree, made here. */
  dir: string;
  taskId: string;
  /** The user's HEAD when the task started; its length says which hash the repository uses. */
  head: string;
  /** Where repository mirrors live; undefined: no mirror, the workspace fetches HEAD directly. */
  mirrorsDir?: string | undefined;
  /** Called once the clone's longest step (the checkout, or the fetch without a mirror) is running. */
  whileCloning?: (() => void) | undefined;
}

/**
 * Makes a workspace at `dir` from `ref` of a git directory Warden made (a subtask's start, a combined
 * change): fetched through the pack protocol, so the workspace shares no file with it; returns the
 * commit. Its length says nothing here: `objectFormat` does.
 *
 * @throws SystemError `git-failed` when fetching or checking out fails.
 */
export async function cloneRef(
  source: string,
  ref: string,
  dir: string,
  objectFormat: 'sha1' | 'sha256',
  commit?: string,
): Promise<string> {
  return await cloneHead(source, dir, objectFormat, ref, commit);
}

/**
 * Clones the user's HEAD into `dir` and checks it out, detached; returns the commit. Through the
 * repository's mirror when there is a `mirrorsDir`: the mirror fetches only what is new, and the
 * workspace gets copies of its pack files (reflinks where the filesystem has them), never hard links,
 * so no file of the workspace is a file of the mirror. Any failure on that path discards the mirror,
 * to be rebuilt by the next task, and this workspace is fetched directly as if there were no mirror.
 *
 * @throws SystemError `git-failed` when fetching directly fails too.
 */
export async function cloneWorkspace(settings: CloneSettings): Promise<string> {
  const objectFormat = settings.head.length === 64 ? 'sha256' : 'sha1';
  if (settings.mirrorsDir !== undefined) {
    try {
      const mirror = await updateMirror({
        mirrorsDir: settings.mirrorsDir,
        workTree: settings.workTree,
        taskId: settings.taskId,
        head: settings.head,
        objectFormat,
      });
      return await cloneFromMirror(
        mirror.gitDir,
        settings.dir,
        mirror.commit,
        objectFormat,
        settings.whileCloning,
      );
    } catch {
      // A fault of the user's repository fails again below and is reported from there.
      await discardMirror(mirrorGitDir(settings.mirrorsDir, settings.workTree));
      await rm(settings.dir, { recursive: true, force: true });
    }
  }
  return await cloneHead(
    settings.workTree,
    settings.dir,
    objectFormat,
    'HEAD',
    undefined,
    settings.whileCloning,
  );
}

/** Makes the workspace from copies of the mirror's packs and checks `commit` out. */
async function cloneFromMirror(
  mirrorDir: string,
  dir: string,
  commit: string,
  objectFormat: 'sha1' | 'sha256',
  whileCloning?: () => void,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  // An empty template: no sample hooks, no description, nothing copied from the host's git installation.
  await runGit(['init', '--quiet', '--template=', `--object-format=${objectFormat}`, dir], { cwd: dir });
  const packDir = path.join(dir, '.git', 'objects', 'pack');
  await mkdir(packDir, { recursive: true });
  await copyPacks(mirrorDir, packDir).catch(async (error: unknown) => {
    // A repack of the mirror may have replaced a listed pack meanwhile: list them again, once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await rm(packDir, { recursive: true, force: true });
    await mkdir(packDir);
    await copyPacks(mirrorDir, packDir);
  });
  await runGit(['update-ref', BASE_REF, commit], { cwd: dir });
  // Every object is inflated here, each with zlib's checksum: a damaged pack fails the checkout.
  const checkout = runGit(['checkout', '--quiet', '--detach', commit], {
    cwd: dir,
    config: PARALLEL_CHECKOUT,
  });
  whileCloning?.();
  await checkout;
  return commit;
}

/** Copies every pack of the mirror (reflinks where the filesystem has them, otherwise whole copies). */
async function copyPacks(mirrorDir: string, packDir: string): Promise<void> {
  const packs = await mirrorPacks(mirrorDir);
  await Promise.all(
    packs
      .flatMap(({ pack, index }) => [pack, index])
      .map((file) => copyFile(file, path.join(packDir, path.basename(file)), constants.COPYFILE_FICLONE)),
  );
}

/** Clones exactly HEAD (or `ref`) through the pack protocol: nothing is hard-linked or shared with the source. */
async function cloneHead(
  source: string,
  dir: string,
  objectFormat: 'sha1' | 'sha256',
  ref = 'HEAD',
  /** The commit `ref` names, when the caller knows it: it is checked out by id, no `rev-parse` asked. */
  expected?: string,
  whileCloning?: () => void,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  // An empty template: no sample hooks, no description, nothing copied from the host's git installation.
  await runGit(['init', '--quiet', '--template=', `--object-format=${objectFormat}`, dir], { cwd: dir });
  const fetched = runGit(
    ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', source, `${ref}:${BASE_REF}`],
    {
      cwd: dir,
    },
  );
  whileCloning?.();
  await fetched;
  const commit =
    expected ?? (await runGit(['rev-parse', '--verify', `${BASE_REF}^{commit}`], { cwd: dir })).stdout.trim();
  await runGit(['checkout', '--quiet', '--detach', commit], { cwd: dir, config: PARALLEL_CHECKOUT });
  return commit;
}
