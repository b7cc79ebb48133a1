import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type GitIdentity, runGit } from './git.ts';
import { createBareGitDir } from './internal/result-commit.ts';

/** One change to bring into a chain: what `start` → `result` changes, made by `name`. */
export interface ChainLink {
  /** Who made the change (a subtask's id), for the conflict report. */
  name: string;
  /** The commit the change was made on. */
  start: string;
  /** The commit holding the change. */
  result: string;
  /** The message of the link's commit in the chain. */
  message: string;
}

/** Two changes that do not apply together: the later one, the earlier ones it clashes with, and where. */
export interface ChainConflict {
  name: string;
  /** The earlier links that changed the same paths (empty: the patch failed on its own context). */
  with: string[];
  paths: string[];
  /** What `git apply` said. */
  detail: string;
}

export type ChainOutcome =
  | {
      /** The last commit of the chain; `base` when no link changed anything. */
      commit: string;
      /** The links that made a commit, in order (a link that changed nothing makes none). */
      committed: string[];
    }
  | { conflict: ChainConflict };

/**
 * A bare git directory for chaining changes, reading every object store in `alternates` (the
 * workspaces' and their result directories') without copying it; Warden's config only, no hooks.
 */
export async function createChainGitDir(
  gitDir: string,
  objectFormat: 'sha1' | 'sha256',
  alternates: readonly string[],
): Promise<void> {
  await createBareGitDir(gitDir, objectFormat, alternates);
}

/**
 * Applies each link's change, in order, on `base`, one commit per link that changes something, and
 * points `ref` at the last. A change is applied as a patch merged three ways (`git apply --cached
 * --3way` on a private index, no work tree: no attributes, filters or hooks), so changes to different
 * lines of one file combine, and two links that change the same lines do not: the first that does not
 * apply is reported with the earlier links that touched its paths, and `ref` is left alone.
 *
 * @throws SystemError `git-failed` when git fails other than by a patch that does not apply.
 */
export async function chainCommits(settings: {
  gitDir: string;
  base: string;
  links: readonly ChainLink[];
  ref: string;
  identity: GitIdentity;
}): Promise<ChainOutcome> {
  const { gitDir, identity } = settings;
  // Each chain its own index: several may be built at once in one directory.
  const index = path.join(gitDir, `index-${randomUUID()}`);
  const git = (args: string[], extra: { input?: Buffer | string; acceptExitCodes?: number[] } = {}) =>
    runGit(args, { cwd: gitDir, env: { GIT_DIR: gitDir, GIT_INDEX_FILE: index }, identity, ...extra });
  let head = settings.base;
  const committed: string[] = [];
  /** The paths a link changes: read only to name a conflict. */
  const pathsOf = async (link: ChainLink) =>
    (await git(['diff-tree', '-r', '-z', '--name-only', '--no-renames', link.start, link.result])).stdout
      .split('\0')
      .filter((name) => name !== '');
  // What each link changes does not depend on the chain: read a few at a time, ahead of it.
  const changes = mapLimited(settings.links, 4, async (link) => {
    const patch = await git([
      'diff-tree',
      '-r',
      '-p',
      '--binary',
      '--full-index',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      link.start,
      link.result,
    ]);
    return patch.stdoutBytes;
  });
  for (const change of changes) change.catch(() => {});
  try {
    // The index holds the chain's tip from here on: each link is applied on what the last one left.
    await git(['read-tree', head]);
    for (const [position, link] of settings.links.entries()) {
      const patch = await changes[position]!;
      if (patch.length === 0) continue;
      const applied = await git(['apply', '--cached', '--3way', '--whitespace=nowarn'], {
        input: patch,
        acceptExitCodes: [1],
      });
      if (applied.exitCode !== 0) {
        const changed = await pathsOf(link);
        const earlier = await Promise.all(
          settings.links
            .slice(0, position)
            .filter((other) => committed.includes(other.name))
            .map(async (other) => ({ name: other.name, paths: new Set(await pathsOf(other)) })),
        );
        const clashes = earlier.filter((other) => changed.some((name) => other.paths.has(name)));
        const paths = changed.filter((name) => clashes.some((other) => other.paths.has(name)));
        return {
          conflict: {
            name: link.name,
            with: clashes.map((other) => other.name),
            paths: paths.length > 0 ? paths : changed,
            detail: applied.stderr.trim(),
          },
        };
      }
      const tree = (await git(['write-tree'])).stdout.trim();
      head = (await git(['commit-tree', tree, '-p', head, '-F', '-'], { input: link.message })).stdout.trim();
      committed.push(link.name);
    }
    await git(['update-ref', settings.ref, head]);
    return { commit: head, committed };
  } finally {
    await rm(index, { force: true });
  }
}

/** Points the git directory's alternates at exactly `stores` (object directories it reads, not copies). */
export async function setAlternates(gitDir: string, stores: readonly string[]): Promise<void> {
  const file = path.join(gitDir, 'objects', 'info', 'alternates');
  const written = `${file}.${randomUUID()}`;
  await writeFile(written, stores.map((store) => `${store}\n`).join(''));
  await rename(written, file);
}

/**
 * Copies every object `commit` has that `base` does not into one pack of `gitDir`, then leaves it reading
 * only `keep` (the store holding `base`): the directories the chain's changes came from may go.
 *
 * @throws SystemError `git-failed` when listing or packing fails.
 */
export async function sealChain(
  gitDir: string,
  commit: string,
  base: string,
  keep: readonly string[],
): Promise<void> {
  const env = { GIT_DIR: gitDir };
  const { stdout } = await runGit(['rev-list', '--objects', commit, '--not', base], { cwd: gitDir, env });
  if (stdout.trim() !== '') {
    await runGit(['pack-objects', '--quiet', path.join(gitDir, 'objects', 'pack', 'pack')], {
      cwd: gitDir,
      env,
      input: stdout,
    });
  }
  await setAlternates(gitDir, keep);
}

/** `map` with at most `limit` calls running at once; each result as its own promise, in order. */
function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R>[] {
  const lanes: Promise<unknown>[] = Array.from({ length: limit }, () => Promise.resolve());
  return items.map((item, index) => {
    const lane = index % limit;
    const result = lanes[lane]!.then(() => map(item));
    lanes[lane] = result.catch(() => {});
    return result;
  });
}
