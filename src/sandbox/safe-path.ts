import { constants } from 'node:fs';
import { type FileHandle, lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SystemError, UserError } from '../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../spec/sandbox.ts';
import { isProtectedPath } from './protected-paths.ts';

export interface ResolveOptions {
  /**
   * Refuse protected paths (see {@link isProtectedPath}: `.git` at any depth, CI definitions, hook
   * managers, agent and editor configs…), where a planted file would run on the host or be trusted.
   */
  forWrite: boolean;
  /** The protected list for `forWrite`. Default: `DEFAULT_PROTECTED_PATHS`. */
  protectedPaths?: readonly string[];
  /**
   * A human approved writing exactly this path: with `forWrite`, a protected path is allowed, unless it
   * is under `.git` (Warden's own) or a symbolic link leads it to another protected path.
   */
  approved?: boolean;
}

function protectedError(userPath: string): UserError {
  return new UserError(
    'path-protected',
    `${userPath}: is a protected path (repository metadata, CI, hooks, agent or editor config); changing it needs approval`,
    { hint: 'leave it unchanged, or ask the operator to make this change' },
  );
}

function outside(userPath: string, why: string): UserError {
  return new UserError('path-outside-workspace', `${userPath}: ${why}`, {
    hint: `use a path relative to the workspace root, or one under ${SANDBOX_WORKDIR}/`,
  });
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  );
}

function touchesProtected(root: string, candidate: string, options: ResolveOptions): boolean {
  const relative = path.relative(root, candidate);
  if (!options.approved) return isProtectedPath(relative, options.protectedPaths);
  // An approval lifts the protection list, never the rule that `.git` belongs to Warden.
  return isProtectedPath(relative, []);
}

/** The real path of the longest existing prefix of `candidate`, with the rest appended unchanged. */
async function realpathOfExistingPrefix(candidate: string, userPath: string): Promise<string> {
  const rest: string[] = [];
  let current = candidate;
  for (;;) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw outside(userPath, `cannot be resolved (${code})`);
      // A component that exists but cannot be resolved is a dangling symbolic link: following it
      // later (mkdir, open with O_CREAT) could create something anywhere.
      const exists = await lstat(current).then(
        () => true,
        () => false,
      );
      if (exists)
        throw outside(userPath, 'goes through a symbolic link that points nowhere; refusing to follow it');
      const parent = path.dirname(current);
      if (parent === current) return candidate;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Turns a path a model gave (relative to the workspace, or absolute under `/workspace`) into an absolute
 * host path inside `workspaceDir`, with symbolic links resolved. Paths need not exist yet; the existing
 * part is resolved with `realpath`.
 *
 * This checks a moment in time: open the result with {@link openNoFollow} so a final component swapped
 * for a symbolic link afterwards is refused.
 *
 * @throws UserError `path-outside-workspace` when the path (before or after resolving links) leaves the
 *   workspace or contains a NUL byte; `path-protected` when (with `forWrite`) it is a protected path,
 *   before or after resolving links.
 */
export async function resolveInWorkspace(
  workspaceDir: string,
  userPath: string,
  options: ResolveOptions,
): Promise<string> {
  if (userPath === '' || userPath.includes('\0'))
    throw outside(JSON.stringify(userPath), 'is not a valid path');
  const root = await realpath(workspaceDir);
  let relative: string;
  if (userPath === SANDBOX_WORKDIR || userPath.startsWith(`${SANDBOX_WORKDIR}/`)) {
    relative = `.${userPath.slice(SANDBOX_WORKDIR.length)}`;
  } else if (path.isAbsolute(userPath)) {
    const absolute = path.resolve(userPath);
    const base = isInside(root, absolute) ? root : path.resolve(workspaceDir);
    if (!isInside(base, absolute)) throw outside(userPath, `is outside the workspace (${SANDBOX_WORKDIR})`);
    relative = path.relative(base, absolute) || '.';
  } else {
    relative = userPath;
  }

  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) throw outside(userPath, 'climbs out of the workspace with ".."');
  if (options.forWrite && touchesProtected(root, candidate, options)) throw protectedError(userPath);
  const real = await realpathOfExistingPrefix(candidate, userPath);
  if (!isInside(root, real))
    throw outside(userPath, 'is a symbolic link (or goes through one) that leads outside the workspace');
  if (options.forWrite && touchesProtected(root, real, options)) throw protectedError(userPath);
  // The approval covers the path as named: a link that lands it on another protected path does not.
  if (options.forWrite && options.approved && real !== candidate) {
    if (touchesProtected(root, real, { ...options, approved: false })) throw protectedError(userPath);
  }
  return real;
}

/**
 * Opens a host path that {@link resolveInWorkspace} returned, with `O_NOFOLLOW`: a symbolic link swapped
 * in as the final component after the check is refused instead of followed. (Intermediate directories
 * are not covered; the check above is what keeps them inside.) `read` opens read-only; `write` creates
 * or truncates with mode 0644. Only a regular file is returned: the open is non-blocking, so a FIFO, a
 * socket or a device the agent made cannot hold Warden, and it is refused once opened.
 *
 * @throws UserError `path-outside-workspace` when the final component is a symbolic link;
 *   `path-not-found` when a component is missing or not a directory; `usage` when it is a directory or
 *   not a regular file.
 * @throws SystemError `sandbox-failed` for any other failure to open (permissions, I/O).
 */
export async function openNoFollow(filePath: string, mode: 'read' | 'write'): Promise<FileHandle> {
  // O_NONBLOCK: opening a FIFO without a writer (or reader) would otherwise wait forever. It does not
  // change reads and writes of regular files.
  const common = constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const flags =
    mode === 'read'
      ? constants.O_RDONLY | common
      : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | common;
  const name = path.basename(filePath);
  let handle: FileHandle;
  try {
    handle = await open(filePath, flags, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw outside(name, 'is a symbolic link; refusing to follow it');
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError('path-not-found', `${name}: no such file in the workspace`, { cause: error });
    }
    if (code === 'EISDIR')
      throw new UserError('usage', `${name}: is a directory, not a file`, { cause: error });
    // A FIFO with no reader (write) or a socket (either way).
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') throw notRegular(name);
    throw new SystemError('sandbox-failed', `${name}: cannot be opened (${code ?? 'unknown error'})`, {
      cause: error,
    });
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw new SystemError('sandbox-failed', `${name}: cannot be read`, { cause: error });
  });
  if (!info.isFile()) {
    await handle.close();
    throw notRegular(name);
  }
  return handle;
}

function notRegular(name: string): UserError {
  return new UserError(
    'usage',
    `${name}: is not a regular file (a FIFO, socket or device); the file tools read and write regular files only`,
    { hint: 'use the shell tool if you really need it' },
  );
}
