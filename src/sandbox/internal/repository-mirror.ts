import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { runGit } from '../git.ts';

/** Where a task's fetched HEAD is kept in the mirror; one ref per task, so tasks never share a ref lock. */
const TASK_REFS = 'refs/warden/tasks';

/**
 * Task refs kept after an update. They are what the next fetch tells the user's repository it already
 * has; older ones go, so a mirror used by thousands of tasks does not advertise thousands of refs.
 */
const KEPT_TASK_REFS = 16;

export interface MirrorUpdateSettings {
  /** The directory that holds every repository's mirror (`<dataDir>/mirrors`). */
  mirrorsDir: string;
  /** The root of the user's work tree, as `resolveRepository` named it. It is only read. */
  workTree: string;
  /** Names the mirror's ref for this task's HEAD. */
  taskId: string;
  /** The hash the user's repository uses. */
  objectFormat: 'sha1' | 'sha256';
  /**
   * The user's HEAD as just read. When the mirror already holds that commit (so, as git fetched it
   * whole, everything it reaches), nothing is fetched. Undefined: always fetch.
   */
  head?: string | undefined;
  /** Packs the mirror may gather before it is repacked into one; default {@link MAX_PACKS}. */
  maxPacks?: number;
}

export interface MirrorUpdate {
  /** The mirror's git directory (bare). */
  gitDir: string;
  /** The commit the user's HEAD was at when it was fetched. */
  commit: string;
}

/** The mirror of the repository whose work tree is `workTree`: one per real path of the repository. */
export function mirrorGitDir(mirrorsDir: string, workTree: string): string {
  const digest = createHash('sha256').update(path.resolve(workTree)).digest('hex').slice(0, 32);
  return path.join(path.resolve(mirrorsDir), `${digest}.git`);
}

/**
 * Brings the user's HEAD into the repository's mirror (a bare repository Warden owns) and returns the
 * commit. Only what the mirror lacks is transferred: the fetch tells the user's repository which commits
 * the mirror's task refs already hold, and a HEAD the mirror already has is not fetched at all. Objects always land in a pack (never loose), so a workspace can
 * take them by copying whole pack files. The mirror is made on first use, in a temporary directory
 * renamed into place, so two processes making it at once both end up with one whole mirror.
 *
 * Two tasks may update one mirror at once: each writes its own ref, and git writes objects and packs
 * under temporary names renamed into place. A process killed half-way leaves only a temporary pack
 * (ignored), a `.keep` file, or a lock on its own task's ref (never used again); no lock of the whole
 * mirror exists to go stale.
 *
 * @throws SystemError `git-failed` when the mirror cannot be made or the fetch fails (the caller
 *   discards the mirror and falls back to fetching into the workspace directly).
 */
export async function updateMirror(settings: MirrorUpdateSettings): Promise<MirrorUpdate> {
  const gitDir = mirrorGitDir(settings.mirrorsDir, settings.workTree);
  await ensureMirror(gitDir, settings.objectFormat);
  const ref = `${TASK_REFS}/${settings.taskId}`;
  const mirrorGit = (args: string[], config?: Record<string, string>) =>
    runGit(args, { cwd: gitDir, env: { GIT_DIR: gitDir }, config });
  // One look checks the mirror is what Warden made (a bare repository of the right format) and reads
  // the commit: a directory of another kind in its place is never used.
  const look = async (revision: string) => {
    const { stdout } = await mirrorGit([
      'rev-parse',
      '--is-bare-repository',
      '--show-object-format',
      '--verify',
      `${revision}^{commit}`,
    ]);
    const [bare, format, commit = ''] = stdout.trim().split('\n');
    if (bare !== 'true' || format !== settings.objectFormat) {
      throw new SystemError(
        'git-failed',
        `the mirror ${gitDir} is not a bare ${settings.objectFormat} repository (bare: ${bare}, format: ${format})`,
      );
    }
    return commit;
  };
  if (settings.head !== undefined) {
    const known = await look(settings.head).catch(() => undefined);
    if (known === settings.head) return { gitDir, commit: known };
  }
  await mirrorGit(
    [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      settings.workTree,
      `+HEAD:${ref}`,
    ],
    // Even a fetch of three objects keeps them as a pack: a workspace copies packs, never loose objects.
    { 'fetch.unpackLimit': '1' },
  );
  const commit = await look(ref);
  await pruneTaskRefs(gitDir);
  await consolidatePacks(gitDir, settings.maxPacks ?? MAX_PACKS);
  return { gitDir, commit };
}

/**
 * Moves a mirror that failed out of the way and deletes it, so the next task builds a new one. The
 * rename comes first: a process still using the old mirror fails and falls back rather than reading a
 * half-deleted one, and the next task never sees it.
 */
export async function discardMirror(gitDir: string): Promise<void> {
  const trash = path.join(path.dirname(gitDir), `discarded-${randomUUID()}`);
  const moved = await rename(gitDir, trash).then(
    () => true,
    () => false,
  );
  await rm(moved ? trash : gitDir, { recursive: true, force: true });
}

/**
 * The pack files of the mirror, each as the path of its `.pack` and `.idx`. Only packs with both are
 * listed: git renames a pack's index into place last, so a pack being written (or one a killed fetch
 * left half-done) has none yet and is not taken. Each pack's trailing checksum must be the one its
 * index records (git's own check when it opens a pack): a truncated or overwritten pack is not copied
 * into a workspace, where every git command would then complain about it.
 *
 * @throws SystemError `git-failed` when a pack does not match its index.
 */
export async function mirrorPacks(gitDir: string): Promise<Array<{ pack: string; index: string }>> {
  const packDir = path.join(gitDir, 'objects', 'pack');
  const names = new Set(await readdir(packDir));
  const packs: Array<{ pack: string; index: string }> = [];
  for (const name of names) {
    const match = /^pack-([0-9a-f]+)\.idx$/.exec(name);
    if (!match) continue;
    const pack = `${name.slice(0, -'.idx'.length)}.pack`;
    if (!names.has(pack)) continue;
    const entry = { pack: path.join(packDir, pack), index: path.join(packDir, name) };
    // The pack's name is its checksum, so its length is the hash's: 20 bytes for SHA-1, 32 for SHA-256.
    await checkPackTrailer(entry, (match[1] ?? '').length / 2);
    packs.push(entry);
  }
  return packs;
}

/** Compares the checksum ending a pack with the copy its index keeps just before its own checksum. */
async function checkPackTrailer(entry: { pack: string; index: string }, hashBytes: number): Promise<void> {
  const tail = async (file: string, offsetFromEnd: number) => {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const bytes = Buffer.alloc(hashBytes);
      if (size < offsetFromEnd) return undefined;
      await handle.read(bytes, 0, hashBytes, size - offsetFromEnd);
      return bytes;
    } finally {
      await handle.close();
    }
  };
  const packChecksum = await tail(entry.pack, hashBytes);
  const recorded = await tail(entry.index, 2 * hashBytes);
  if (!packChecksum || !recorded || !packChecksum.equals(recorded)) {
    throw new SystemError('git-failed', `the mirror's pack ${entry.pack} does not match its index`, {
      hint: 'nothing to do: the mirror is discarded and rebuilt by the next task',
    });
  }
}

/** Makes the mirror when it is missing (what is there is checked after the fetch). */
async function ensureMirror(gitDir: string, objectFormat: 'sha1' | 'sha256'): Promise<void> {
  const present = await stat(gitDir).then(
    () => true,
    () => false,
  );
  if (!present) {
    await mkdir(path.dirname(gitDir), { recursive: true });
    const temporary = `${gitDir}.new-${randomUUID()}`;
    try {
      // An empty template: no sample hooks, no description, nothing copied from the host's git installation.
      await runGit(
        ['init', '--bare', '--quiet', '--template=', `--object-format=${objectFormat}`, temporary],
        {
          cwd: path.dirname(gitDir),
        },
      );
      // Another process may have made it meanwhile: theirs stays, ours goes.
      await rename(temporary, gitDir).catch(() => undefined);
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  }
}

/**
 * Packs a mirror gathers (one per task that found something new) before they are repacked into one:
 * every workspace copies them all, and git looks through each for every object it reads.
 */
const MAX_PACKS = 32;

/** A repack lock older than this was left by a killed process (a repack takes seconds to minutes). */
const STALE_REPACK_MS = 30 * 60 * 1000;

/**
 * Repacks a mirror that has gathered more than `maxPacks` packs into one, under a lock file only one
 * process can create; another process finding it locked goes on without waiting. Git writes the new
 * pack before it deletes the old ones, so a task copying packs meanwhile finds either (see
 * `mirrorPacks`, listed again when a pack vanishes). A lock left by a killed process is taken over
 * once it is old.
 */
async function consolidatePacks(gitDir: string, maxPacks: number): Promise<void> {
  if ((await mirrorPacks(gitDir)).length <= maxPacks) return;
  const lock = path.join(gitDir, 'warden-repack.lock');
  const lockAge = await stat(lock).then(
    (info) => Date.now() - info.mtimeMs,
    () => undefined,
  );
  if (lockAge !== undefined && lockAge > STALE_REPACK_MS) await rm(lock, { force: true });
  const handle = await open(lock, 'wx').catch(() => undefined);
  if (!handle) return;
  try {
    await runGit(['repack', '-a', '-d', '-q'], { cwd: gitDir, env: { GIT_DIR: gitDir } });
  } finally {
    await handle.close();
    await rm(lock, { force: true });
  }
}

/** A lock on a task ref older than this was left by a killed process (a fetch holds it for moments). */
const STALE_LOCK_MS = 60 * 60 * 1000;

/**
 * Deletes all but the newest task refs, and locks killed processes left on them. The ref files are removed directly: the mirror's refs are
 * always loose (nothing packs them, `gc` is off), and deleting through git would take the shared
 * `packed-refs.lock`, which a killed process could leave behind for every later task to trip on.
 */
async function pruneTaskRefs(gitDir: string): Promise<void> {
  const refDir = path.join(gitDir, ...TASK_REFS.split('/'));
  const entries = await readdir(refDir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(refDir, entry.name);
        const modified = await stat(file).then(
          (info) => info.mtimeMs,
          () => 0,
        );
        return { file, modified, lock: entry.name.endsWith('.lock') };
      }),
  );
  const refs = files.filter((file) => !file.lock).sort((left, right) => right.modified - left.modified);
  const staleLocks = files.filter((file) => file.lock && Date.now() - file.modified > STALE_LOCK_MS);
  await Promise.all(
    [...refs.slice(KEPT_TASK_REFS), ...staleLocks].map(({ file }) => rm(file, { force: true })),
  );
}
