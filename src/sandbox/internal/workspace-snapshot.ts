import { lstatSync, readdirSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { FileStat } from './git-index-stat.ts';

/** Why a path of the workspace was left out of the result commit. */
export type SkipReason =
  /** A `.git` directory or file below the workspace root: another repository's config, hooks and objects. */
  | 'nested-git'
  /** A symbolic link that is absolute, or climbs (directly or through other links) out of the workspace. */
  | 'symlink-outside-workspace'
  /** A symbolic link into a `.git` directory. */
  | 'symlink-into-git'
  /** Content where the base commit has a submodule: the submodule stays the commit it was. */
  | 'submodule'
  /** A socket, FIFO or device node: git records none of them. */
  | 'special-file'
  /** A name or link target that is not valid UTF-8, or a file Warden could not read. */
  | 'unreadable';

/** A path left out of the result commit; when the base commit had it, it stays as it was there. */
export interface SkippedPath {
  /** Workspace-relative, `/`-separated. */
  path: string;
  reason: SkipReason;
}

/** An entry of the base commit's tree, as `git ls-tree -r` lists it. */
export interface BaseEntry {
  mode: string;
  objectId: string;
}

/** A file or symbolic link the result commit will hold. */
export interface SnapshotEntry {
  /** Workspace-relative, `/`-separated. */
  path: string;
  mode: '100644' | '100755' | '120000';
  /** For a symbolic link, its target as stored in git; files are read when the commit is written. */
  linkTarget?: Buffer;
  /** For a file, its `lstat` when listed: the commit reads only files the git index cannot vouch for. */
  stat?: FileStat;
}

export interface WorkspaceSnapshot {
  entries: SnapshotEntry[];
  skipped: SkippedPath[];
}

export interface SnapshotSettings {
  /** The workspace root on the host. */
  dir: string;
  /** The base commit's tree: path to entry (files, links and submodules). */
  base: ReadonlyMap<string, BaseEntry>;
  /** The git object id of a blob with this content (the repository's hash). */
  blobId(content: Buffer): string;
  /** Which of `paths` (workspace-relative) the workspace's `.gitignore` files exclude. */
  ignored(paths: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Links followed while resolving one link before it counts as a loop (the kernel's limit). */
const MAX_LINK_HOPS = 40;

/**
 * Lists what the result commit holds, reading the workspace as data: `lstat` only, never following a
 * symbolic link, never entering a `.git` below the root or a submodule's directory. One level of the
 * tree at a time, so an ignored directory (`node_modules/`) is never walked; a directory with tracked
 * files is walked even when ignored, as `git add --all` does.
 *
 * Directories are listed and entries `lstat`ed synchronously: on a large workspace (thousands of
 * files, their inodes cached) that is several times faster than a promise per call, and nothing else
 * runs while a task's result is taken.
 */
export async function snapshotWorkspace(settings: SnapshotSettings): Promise<WorkspaceSnapshot> {
  const { dir: root, base } = settings;
  const submodules = new Set([...base].filter(([, entry]) => entry.mode === '160000').map(([name]) => name));
  const trackedDirectories = new Set<string>();
  for (const name of base.keys()) {
    for (let parent = path.posix.dirname(name); parent !== '.'; parent = path.posix.dirname(parent)) {
      trackedDirectories.add(parent);
    }
  }
  const entries: SnapshotEntry[] = [];
  const skipped: SkippedPath[] = [];

  let level = [''];
  while (level.length > 0) {
    const candidates: string[] = [];
    const listings = level.map((directory) =>
      readdirSync(path.join(root, directory), { encoding: 'buffer' }),
    );
    for (const [index, directory] of level.entries()) {
      for (const raw of listings[index]!) {
        const name = raw.toString('utf8');
        const relative = directory === '' ? name : `${directory}/${name}`;
        if (!Buffer.from(name, 'utf8').equals(raw)) skipped.push({ path: relative, reason: 'unreadable' });
        else if (directory === '' && name === '.git')
          continue; // the workspace's own, protected
        else if (name.toLowerCase() === '.git') skipped.push({ path: relative, reason: 'nested-git' });
        else candidates.push(relative);
      }
    }
    const infos = candidates.map((name) => lstatSync(path.join(root, name), { bigint: true }));
    // Git never counts a tracked file as ignored, and a directory holding tracked files is walked
    // anyway: only what the base commit does not know is asked about (a tracked directory that is now
    // a file is, too).
    const checked = candidates.filter(
      (candidate, index) =>
        !submodules.has(candidate) &&
        !base.has(candidate) &&
        !(trackedDirectories.has(candidate) && infos[index]!.isDirectory()),
    );
    const ignored = checked.length > 0 ? await settings.ignored(checked) : new Set<string>();
    const next: string[] = [];
    for (const [index, relative] of candidates.entries()) {
      const hostPath = path.join(root, relative);
      const info = infos[index]!;
      if (submodules.has(relative)) {
        const untouched = info.isDirectory() && (await readdir(hostPath)).length === 0;
        if (!untouched) skipped.push({ path: relative, reason: 'submodule' });
        continue;
      }
      if (info.isDirectory()) {
        if (!ignored.has(relative) || trackedDirectories.has(relative)) next.push(relative);
        continue;
      }
      if (ignored.has(relative)) continue;
      if (info.isFile()) {
        entries.push({ path: relative, mode: info.mode & 0o100n ? '100755' : '100644', stat: info });
      } else if (info.isSymbolicLink()) {
        const target = await readlink(hostPath, { encoding: 'buffer' });
        const baseEntry = base.get(relative);
        const unchanged = baseEntry?.mode === '120000' && baseEntry.objectId === settings.blobId(target);
        // A link the base commit has, unchanged, is the user's own: it stays as it is.
        const reason = unchanged ? undefined : await judgeLink(root, relative, target);
        if (reason) skipped.push({ path: relative, reason });
        else entries.push({ path: relative, mode: '120000', linkTarget: target });
      } else {
        skipped.push({ path: relative, reason: 'special-file' });
      }
    }
    level = next;
  }
  return { entries, skipped };
}

/**
 * Why the link at `relative` must stay out of the commit, or `undefined` when it may go in: its target
 * resolved inside the workspace, through any links on the way, stays inside and out of `.git`.
 */
async function judgeLink(root: string, relative: string, target: Buffer): Promise<SkipReason | undefined> {
  const text = target.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(target)) return 'unreadable';
  const resolved = path.posix
    .dirname(relative)
    .split('/')
    .filter((segment) => segment !== '.');
  const pending = text.split('/');
  if (text.startsWith('/')) return 'symlink-outside-workspace';
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0) return 'symlink-outside-workspace';
      resolved.pop();
      continue;
    }
    if (segment.toLowerCase() === '.git') return 'symlink-into-git';
    resolved.push(segment);
    const info = await lstat(path.join(root, ...resolved)).catch(() => null);
    if (!info?.isSymbolicLink()) continue; // a directory, a file, or nothing yet: lexical from here
    hops += 1;
    const next = await readlink(path.join(root, ...resolved), 'utf8');
    if (hops > MAX_LINK_HOPS || next.startsWith('/')) return 'symlink-outside-workspace';
    resolved.pop();
    pending.unshift(...next.split('/'));
  }
  return undefined;
}
