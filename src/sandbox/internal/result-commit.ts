import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { type GitIdentity, runGit } from '../git.ts';
import { type IndexedFile, matchesIndex, readIndexedFiles } from './git-index-stat.ts';
import {
  type BaseEntry,
  type SkippedPath,
  type SnapshotEntry,
  snapshotWorkspace,
} from './workspace-snapshot.ts';

export interface ResultCommitSettings {
  /** The workspace's work tree; its `.git` (read-only to the sandbox) supplies the base objects. */
  workspaceDir: string;
  /** A git directory for the result, outside everything the sandbox mounts; made afresh. */
  gitDir: string;
  baseCommit: string;
  /** The commit message; whitespace is cleaned up as `git commit --cleanup=whitespace` does. */
  message: string;
  identity: GitIdentity;
  /** {@link readResultBase} of this workspace and base, read earlier; undefined: read now. */
  base?: Promise<ResultBase> | undefined;
}

/** What a result commit is built against: the base commit's tree, and the entries the index vouches for. */
export interface ResultBase {
  tree: Map<string, BaseEntry>;
  indexed: Map<string, IndexedFile>;
}

/**
 * The base commit's tree and the workspace's index entries, read from the workspace's own `.git`
 * (written by Warden, read-only to the sandbox). Read once the index is fresh; neither changes after.
 *
 * @throws SystemError `git-failed` when the tree cannot be listed.
 */
export async function readResultBase(workspaceDir: string, baseCommit: string): Promise<ResultBase> {
  const gitDir = path.join(workspaceDir, '.git');
  const format = baseCommit.length === 64 ? 'sha256' : 'sha1';
  const [listing, indexed] = await Promise.all([
    runGit(['ls-tree', '-r', '-z', '--full-tree', baseCommit], { cwd: gitDir, env: { GIT_DIR: gitDir } }),
    readIndexedFiles(path.join(gitDir, 'index'), format),
  ]);
  return { tree: parseTree(listing.stdout), indexed };
}

export interface ResultCommit {
  /** The commit in `gitDir` at {@link RESULT_REF}; `null` when its tree is the base commit's. */
  commit: string | null;
  skipped: SkippedPath[];
}

/** Where the result commit is in the private git directory. */
export const RESULT_REF = 'refs/warden/result';

/**
 * Commits the workspace as data. Node walks the tree ({@link snapshotWorkspace}) and reads every file
 * itself, opened without following links; `git fast-import` turns that stream into blobs, trees and the
 * commit in a bare git directory Warden made, with no work tree: no attributes, filters, drivers, hooks
 * or nested repositories come into it, and the only config git reads is Warden's own. The workspace's
 * `.gitignore` files are honoured through `git check-ignore`, which reads them as patterns and runs
 * nothing.
 *
 * @throws SystemError `git-failed` when a git step fails.
 */
export async function writeResultCommit(settings: ResultCommitSettings): Promise<ResultCommit> {
  const { workspaceDir, gitDir, baseCommit } = settings;
  const privateEnv = { GIT_DIR: gitDir, GIT_INDEX_FILE: path.join(gitDir, 'index') };
  const workspaceGit = path.join(workspaceDir, '.git');
  // The base commit's id says which hash the repository uses: 64 hex digits for SHA-256, 40 for SHA-1.
  const format = baseCommit.length === 64 ? 'sha256' : 'sha1';
  // The workspace's index, written on the host after checkout, vouches for the files nobody touched.
  const [{ tree: base, indexed }] = await Promise.all([
    settings.base ?? readResultBase(workspaceDir, baseCommit),
    rm(gitDir, { recursive: true, force: true }).then(() =>
      createBareGitDir(gitDir, format, path.join(workspaceGit, 'objects')),
    ),
  ]);

  const blobId = (content: Buffer) =>
    createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
  const snapshot = await snapshotWorkspace({
    dir: workspaceDir,
    base,
    blobId,
    async ignored(paths) {
      // Only paths the base commit does not track are asked about (see `snapshotWorkspace`), so the
      // private index can stay empty. Each path is given as `./path`, so a file named `:(glob)x` is a
      // name, not pathspec magic; git echoes it so.
      const { stdout } = await runGit(['check-ignore', '-z', '--stdin'], {
        cwd: workspaceDir,
        env: { ...privateEnv, GIT_WORK_TREE: workspaceDir },
        input: paths.map((name) => `./${name}\0`).join(''),
        acceptExitCodes: [1],
      });
      return new Set(
        stdout
          .split('\0')
          .filter((name) => name.startsWith('./'))
          .map((name) => name.slice(2)),
      );
    },
  });

  const message = cleanUpMessage(settings.message);
  const skipped = [...snapshot.skipped];
  const tree = new Map<string, string>();
  const marks = path.join(gitDir, 'result-marks');
  await runGit(['fast-import', '--quiet', '--done', `--export-marks=${marks}`], {
    cwd: gitDir,
    env: privateEnv,
    // The new objects stay one pack: no `unpack-objects` process to loosen a small import.
    config: { 'fastimport.unpackLimit': '0' },
    input: importStream({
      ...settings,
      message,
      base,
      indexed,
      entries: snapshot.entries,
      skipped,
      blobId,
      tree,
    }),
  });
  if (sameTree(tree, base)) return { commit: null, skipped };
  // The marks file names the commit (`:1 <id>`), so no `rev-parse` is needed to learn it.
  const commit = /^:1 ([0-9a-f]+)$/m.exec(await readFile(marks, 'utf8'))?.[1];
  if (!commit) throw new SystemError('git-failed', `git fast-import wrote no commit into ${gitDir}`);
  return { commit, skipped };
}

/**
 * Whether the tree the import wrote (path to `mode id`, every entry it named) is the base commit's:
 * git trees are canonical, so the same entries make the same tree.
 */
function sameTree(tree: ReadonlyMap<string, string>, base: ReadonlyMap<string, BaseEntry>): boolean {
  if (tree.size !== base.size) return false;
  for (const [name, entry] of base) {
    if (tree.get(name) !== `${entry.mode} ${entry.objectId}`) return false;
  }
  return true;
}

/**
 * A bare git directory made by hand, as `git init --bare --template=` makes it (one git process fewer):
 * Warden's own config only, no hooks, and the object stores it reads without copying as its alternates
 * (a workspace's, which the sandbox can only read).
 */
export async function createBareGitDir(
  gitDir: string,
  format: 'sha1' | 'sha256',
  alternates: string | readonly string[],
): Promise<void> {
  await mkdir(path.join(gitDir, 'objects', 'info'), { recursive: true });
  await Promise.all([
    mkdir(path.join(gitDir, 'objects', 'pack')),
    mkdir(path.join(gitDir, 'refs', 'heads'), { recursive: true }),
    writeFile(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n'),
    writeFile(
      path.join(gitDir, 'config'),
      format === 'sha256'
        ? '[core]\n\trepositoryformatversion = 1\n\tbare = true\n[extensions]\n\tobjectformat = sha256\n'
        : '[core]\n\trepositoryformatversion = 0\n\tbare = true\n',
    ),
    writeFile(
      path.join(gitDir, 'objects', 'info', 'alternates'),
      [alternates]
        .flat()
        .map((store) => `${store}\n`)
        .join(''),
    ),
  ]);
}

/**
 * What `git commit --cleanup=whitespace` (`git stripspace`) makes of a message: trailing whitespace
 * off every line, runs of empty lines made one, none at the start or end, and a final newline.
 */
export function cleanUpMessage(message: string): string {
  const lines: string[] = [];
  for (const line of message.split('\n').map((text) => text.replace(/[ \t\v\f\r]+$/, ''))) {
    if (line === '' && (lines.length === 0 || lines.at(-1) === '')) continue;
    lines.push(line);
  }
  while (lines.at(-1) === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `git ls-tree -r -z` output as path to entry. */
function parseTree(listing: string): Map<string, BaseEntry> {
  const entries = new Map<string, BaseEntry>();
  for (const record of listing.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, , objectId] = record.slice(0, tab).split(' ');
    entries.set(record.slice(tab + 1), { mode: mode!, objectId: objectId! });
  }
  return entries;
}

/**
 * The `fast-import` stream: one commit on the base, as the changes from it. Every base path the
 * workspace no longer has is deleted first (so a file may become a directory and the other way round),
 * then every path whose content or mode differs is written: by id when the base has that content, inline
 * otherwise. A file the index vouches for (its stat data unchanged since the checkout, its blob the
 * base's) is not even read. Submodules, skipped paths and files that cannot be read keep their base
 * entries.
 */
async function* importStream(stream: {
  identity: GitIdentity;
  message: string;
  baseCommit: string;
  workspaceDir: string;
  base: ReadonlyMap<string, BaseEntry>;
  indexed: ReadonlyMap<string, IndexedFile>;
  entries: readonly SnapshotEntry[];
  skipped: SkippedPath[];
  blobId: (content: Buffer) => string;
  /** Filled with every path the commit's tree holds, as `mode id`. */
  tree: Map<string, string>;
}): AsyncGenerator<Buffer> {
  const { identity, base, tree } = stream;
  const seconds = Math.floor(Date.now() / 1000);
  const person = `${identity.name} <${identity.email}> ${seconds} +0000`;
  const message = Buffer.from(stream.message, 'utf8');
  for (const [name, entry] of base) tree.set(name, `${entry.mode} ${entry.objectId}`);
  const kept = new Set(stream.entries.map((entry) => entry.path));
  for (const { path: name } of stream.skipped) kept.add(name);
  const deletions: Buffer[] = [];
  for (const [name, entry] of base) {
    if (entry.mode === '160000' || kept.has(name)) continue;
    tree.delete(name);
    deletions.push(Buffer.from('D '), quotePath(name), Buffer.from('\n'));
  }
  yield Buffer.concat([
    Buffer.from(
      `commit ${RESULT_REF}\nmark :1\nauthor ${person}\ncommitter ${person}\ndata ${message.length}\n`,
    ),
    message,
    Buffer.from(`\nfrom ${stream.baseCommit}\n`),
    ...deletions,
  ]);

  for (const entry of stream.entries) {
    const before = base.get(entry.path);
    const known = stream.indexed.get(entry.path);
    if (
      before?.mode === entry.mode &&
      entry.stat &&
      known?.objectId === before.objectId &&
      known.mode === Number.parseInt(entry.mode, 8) &&
      matchesIndex(known, entry.stat)
    ) {
      continue;
    }
    const content = entry.linkTarget ?? (await readRegularFile(path.join(stream.workspaceDir, entry.path)));
    if (content === null) {
      // Left out: the base entry, if any, stays.
      stream.skipped.push({ path: entry.path, reason: 'unreadable' });
      continue;
    }
    const objectId = stream.blobId(content);
    if (before?.objectId === objectId && before.mode === entry.mode) continue;
    tree.set(entry.path, `${entry.mode} ${objectId}`);
    if (before?.objectId === objectId) {
      yield Buffer.concat([
        Buffer.from(`M ${entry.mode} ${objectId} `),
        quotePath(entry.path),
        Buffer.from('\n'),
      ]);
      continue;
    }
    yield Buffer.concat([
      Buffer.from(`M ${entry.mode} inline `),
      quotePath(entry.path),
      Buffer.from(`\ndata ${content.length}\n`),
    ]);
    yield content;
    yield Buffer.from('\n');
  }
  yield Buffer.from('done\n');
}

/** The content of a regular file, opened without following a link; `null` when it cannot be read. */
async function readRegularFile(hostPath: string): Promise<Buffer | null> {
  const handle = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!handle) return null;
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await handle.readFile();
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** A path in fast-import's C-style quotes: any byte is allowed, newlines and quotes included. */
function quotePath(name: string): Buffer {
  const bytes: number[] = [0x22];
  for (const byte of Buffer.from(name, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) bytes.push(0x5c, byte);
    else if (byte < 0x20 || byte === 0x7f)
      bytes.push(...Buffer.from(`\\${byte.toString(8).padStart(3, '0')}`));
    else bytes.push(byte);
  }
  bytes.push(0x22);
  return Buffer.from(bytes);
}
