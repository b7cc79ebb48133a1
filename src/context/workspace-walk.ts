import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type IgnoreRules,
  isIgnored,
  MAX_GITIGNORE_BYTES,
  parseGitignore,
} from './internal/gitignore-rules.ts';
import type { GlobDecision } from './internal/glob-selector.ts';

/** A file the walk listed: its path relative to the root (`/`-separated), its size in bytes and when it last changed. */
export interface WorkspaceFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface WorkspaceWalkOptions {
  /** Most files listed; the walk stops there (`truncated`). Default 200,000. */
  maxFiles?: number;
  /** Larger files are skipped. Default 1 MB. */
  maxFileBytes?: number;
  /**
   * Decides about a path before `.gitignore` does: `include` lists a file (or walks a directory) that
   * `.gitignore` excludes, `exclude` skips it, undefined leaves it to `.gitignore`. `.git`,
   * `node_modules`, links and binaries stay skipped whatever it says.
   */
  select?: (relative: string, isDirectory: boolean) => GlobDecision;
  /**
   * What an earlier walk found for a path (a caller's cache): when the file's size and modification time
   * still match, it is taken as the same text file without reading its head again (one `lstat` instead
   * of an open, a read and a close). Undefined: every file's head is read.
   */
  known?: (relative: string) => { bytes: number; mtimeMs: number } | undefined;
}

/** What a walk found, and whether it stopped at `maxFiles` before seeing everything. */
export interface WorkspaceWalk {
  files: WorkspaceFile[];
  truncated: boolean;
}

export const DEFAULT_MAX_FILES = 200_000;
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Bytes read from the head of a file to tell text from binary, as git and ripgrep do. */
const SNIFF_BYTES = 8 * 1024;
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);
/** Longest stretch of synchronous file system calls before the walk lets the event loop run. */
const SLICE_MS = 10;

/**
 * The text files of a workspace: paths relative to `root`, `/`-separated, sorted by code unit.
 * Honours every `.gitignore` inside `root` (a deeper file overrides a shallower one, as in git) and
 * always skips `.git/` and `node_modules/`. Never follows a symbolic link: a link, file or directory,
 * is not listed, so loops end and nothing outside `root` is read. Skips special files, binaries (a NUL
 * byte in the first 8 KB) and files over `maxFileBytes`. Stops at `maxFiles`; use `walkWorkspace` to
 * learn whether it did.
 *
 * Throws when `root` itself cannot be read; an unreadable file or directory below it is skipped.
 */
export async function listWorkspaceFiles(
  root: string,
  options?: { maxFiles?: number; maxFileBytes?: number },
): Promise<Array<{ path: string; bytes: number }>> {
  return (await walkWorkspace(root, options)).files.map(({ path: file, bytes }) => ({ path: file, bytes }));
}

/** `listWorkspaceFiles`, plus `truncated`: true when the walk stopped at `maxFiles`. */
export async function walkWorkspace(
  root: string,
  options: WorkspaceWalkOptions = {},
): Promise<WorkspaceWalk> {
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const realRoot = await realpath(root);
  // Where separators are `/`, names are joined without normalising: each is a name a directory listed,
  // never `.` or `..`.
  const rootPrefix = realRoot.endsWith('/') ? realRoot : `${realRoot}/`;
  const absoluteOf =
    path.sep === '/'
      ? (relative: string) => `${rootPrefix}${relative}`
      : (relative: string) => path.join(realRoot, relative);
  const files: WorkspaceFile[] = [];
  let truncated = false;
  // Depth-first with an explicit stack: a tree thousands of levels deep cannot overflow the call stack.
  const stack: Array<{ relative: string; rules: IgnoreRules[] }> = [{ relative: '', rules: [] }];
  // Synchronous calls, a few milliseconds at a time: a promise per file costs more than the system call,
  // and the event loop still runs between slices.
  let sliceStart = performance.now();
  const pause = async () => {
    await yieldToEventLoop();
    sliceStart = performance.now();
  };
  while (stack.length > 0 && !truncated) {
    if (performance.now() - sliceStart > SLICE_MS) await pause();
    const directory = stack.pop() as { relative: string; rules: IgnoreRules[] };
    const absolute = directory.relative === '' ? realRoot : absoluteOf(directory.relative);
    let entries: Dirent[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch (error) {
      if (directory.relative === '') throw error;
      continue;
    }
    // The directory was listed by its parent as a directory, not a link; if it was swapped for one
    // since, its real path has moved and it is not walked.
    if (directory.relative !== '' && realPathOf(absolute) !== absolute) continue;
    const rules = [...directory.rules];
    if (entries.some((entry) => entry.name === '.gitignore' && entry.isFile())) {
      const own = readGitignore(path.join(absolute, '.gitignore'), directory.relative);
      if (own !== undefined) rules.push(own);
    }
    const candidates: string[] = [];
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const relative = directory.relative === '' ? entry.name : `${directory.relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(entry.name) && isWanted(rules, relative, true, options.select))
          subdirectories.push(relative);
      } else if (entry.isFile() && !ALWAYS_SKIPPED.has(entry.name)) {
        if (isWanted(rules, relative, false, options.select)) candidates.push(relative);
      }
      // Symbolic links, sockets, FIFOs and devices are never listed.
    }
    candidates.sort(compareCodeUnits);
    for (const relative of candidates) {
      if (performance.now() - sliceStart > SLICE_MS) await pause();
      const absoluteFile = absoluteOf(relative);
      // A file known unchanged is settled by one `lstat`; the others are opened and sniffed.
      const found =
        knownStat(absoluteFile, maxFileBytes, options.known?.(relative)) ??
        textFileStat(absoluteFile, maxFileBytes);
      if (found === undefined) continue;
      if (files.length >= maxFiles) {
        truncated = true;
        break;
      }
      files.push({ path: relative, ...found });
    }
    // Pushed in reverse so the stack pops them in order (the final sort does not depend on it, but
    // a truncated walk then keeps the first files in path order).
    subdirectories.sort(compareCodeUnits);
    for (let index = subdirectories.length - 1; index >= 0; index -= 1)
      stack.push({ relative: subdirectories[index] as string, rules });
  }
  files.sort((left, right) => compareCodeUnits(left.path, right.path));
  return { files, truncated };
}

function isWanted(
  rules: readonly IgnoreRules[],
  relative: string,
  isDirectory: boolean,
  select: WorkspaceWalkOptions['select'],
): boolean {
  const decision = select?.(relative, isDirectory);
  if (decision !== undefined) return decision === 'include';
  return !isIgnored(rules, relative, isDirectory);
}

function readGitignore(file: string, base: string): IgnoreRules | undefined {
  const content = readSmallText(file, MAX_GITIGNORE_BYTES);
  return content === undefined ? undefined : parseGitignore(content, base);
}

function realPathOf(absolute: string): string {
  try {
    return realpathSync.native(absolute);
  } catch {
    return '';
  }
}

/**
 * The size and modification time of a file `known` as text with this size and time, when `lstat` still
 * finds a regular file with both (no larger than `maxBytes`); otherwise undefined, and the file is
 * sniffed again.
 */
function knownStat(
  file: string,
  maxBytes: number,
  known: { bytes: number; mtimeMs: number } | undefined,
): { bytes: number; mtimeMs: number } | undefined {
  if (known === undefined) return undefined;
  let stats: Stats | undefined;
  try {
    stats = lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (
    stats?.isFile() &&
    stats.size === known.bytes &&
    stats.mtimeMs === known.mtimeMs &&
    stats.size <= maxBytes
  )
    return { bytes: stats.size, mtimeMs: stats.mtimeMs };
  return undefined;
}

/**
 * The size and modification time of a regular text file no larger than `maxBytes`, or undefined:
 * opened without following a final link and without blocking (a FIFO swapped in after the listing
 * neither hangs nor counts).
 */
function textFileStat(file: string, maxBytes: number): { bytes: number; mtimeMs: number } | undefined {
  return withOpenFile(file, (descriptor) => {
    const stats = fstatSync(descriptor);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, stats.size));
    const bytesRead = readSync(descriptor, head, 0, head.length, 0);
    if (head.subarray(0, bytesRead).includes(0)) return undefined;
    return { bytes: stats.size, mtimeMs: stats.mtimeMs };
  });
}

function readSmallText(file: string, maxBytes: number): string | undefined {
  return withOpenFile(file, (descriptor) => {
    const stats = fstatSync(descriptor);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    return readFileSync(descriptor, 'utf8');
  });
}

/** `use` on the file opened for reading (no final link followed, never blocking); undefined on any error. */
function withOpenFile<T>(file: string, use: (descriptor: number) => T | undefined): T | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return use(descriptor);
  } catch {
    return undefined;
  } finally {
    closeSync(descriptor);
  }
}

/** Sorts as ripgrep and `git ls-files` do: by UTF-16 code unit, not by locale. */
export function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
