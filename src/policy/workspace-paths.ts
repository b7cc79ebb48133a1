import { lstatSync, readlinkSync } from 'node:fs';
import path, { posix } from 'node:path';
import { holdsProtectedPath, isProtectedPath, parseProtectedPaths } from '../sandbox/index.ts';
import { DEFAULT_PROTECTED_PATHS, SANDBOX_WORKDIR } from '../spec/sandbox.ts';

/** Where a path lands once resolved. `scratch` is /tmp and the harmless devices (/dev/null...). */
export type PathPlace = 'workspace' | 'protected' | 'scratch' | 'outside' | 'uncertain';

export interface ResolvedPath {
  place: PathPlace;
  /** Relative to the workspace root ("" for the root) when inside; the absolute sandbox path otherwise. */
  relativePath: string;
}

/** Resolves paths as a command inside the sandbox would see them. */
export interface WorkspacePaths {
  /**
   * Resolves `value` against `cwd` (a sandbox path; `undefined` when unknown), following symlinks in
   * the workspace on the host. `/workspace/...` is the workspace root. A write to a directory that
   * holds a protected path (the root, for one) counts as protected. A glob is judged by what it could
   * match.
   */
  resolve(value: string, cwd: string | undefined, options?: { write?: boolean }): ResolvedPath;
}

const SCRATCH = [
  /^\/tmp(\/|$)/,
  /^\/var\/tmp(\/|$)/,
  /^\/dev\/(null|zero|stdout|stderr|tty|fd\/\d+)$/,
  /^\/proc\/self\/fd\/\d+$/,
];
const GLOB = /[*?[]/;

/**
 * Outside the workspace, what an ordinary build reads: the system directories the sandbox mounts
 * read-only (compilers, headers, libraries, CA certificates, `/etc/os-release`) and a few harmless
 * `/proc` files. Everything else outside — home directories, `/root`, `/proc/<pid>/environ`, Warden's
 * data directory, `/var`, `/opt` — is not.
 */
const SYSTEM_READABLE = [
  /^\/(usr|bin|sbin|lib|lib32|lib64|libx32)(\/|$)/,
  /^\/etc(\/|$)/,
  /^\/proc\/(cpuinfo|meminfo|version|loadavg|uptime|stat|filesystems)$/,
];

/** Secrets under the system directories: never system-readable. */
const SYSTEM_SECRETS = [
  /^\/etc\/(shadow|gshadow|master\.passwd|sudoers|security|ssh|krb5\.keytab|docker|containerd|kubernetes|warden)(\/|-|$)/,
  /^\/etc\/ssl\/private(\/|$)/,
  /^\/etc\/.*(secret|token|credential|password|\.key$)/i,
];

/**
 * True for an absolute sandbox path outside the workspace that an ordinary build may read (see
 * `SYSTEM_READABLE`); false for anything else, secrets under `/etc` included.
 */
export function isSystemReadable(absolute: string): boolean {
  const normalised = posix.normalize(absolute);
  if (SYSTEM_SECRETS.some((pattern) => pattern.test(normalised))) return false;
  return SYSTEM_READABLE.some((pattern) => pattern.test(normalised));
}
const MAX_LINKS = 40;

/**
 * Path resolution for one workspace: `hostDir` is where the workspace lives on the host (it appears at
 * `/workspace` in the sandbox); `protectedPaths` are workspace-relative, a trailing `/` marking a
 * directory (default: `DEFAULT_PROTECTED_PATHS`, the sandbox's list). Protection is judged by the
 * sandbox's own matcher (`isProtectedPath`: any `.git` segment, case-insensitive), so a policy and a real
 * run cannot disagree on which paths are protected.
 */
export function createWorkspacePaths(settings: {
  hostDir: string;
  protectedPaths?: readonly string[] | undefined;
}): WorkspacePaths {
  const protectedPaths = settings.protectedPaths ?? DEFAULT_PROTECTED_PATHS;
  const protectedEntries = parseProtectedPaths(protectedPaths).map((entry) => entry.path.toLowerCase());
  const hostDir = path.resolve(settings.hostDir);

  const isProtected = (relative: string, write: boolean): boolean =>
    isProtectedPath(relative, protectedPaths) ||
    // Removing or moving a directory that holds a protected path changes that path too.
    (write && holdsProtectedPath(relative, protectedPaths));

  const couldMatchProtected = (relative: string): boolean => {
    // The literal directory before the first glob segment, and the glob below it; compared without
    // regard to case, as the matcher does.
    const segments = relative.toLowerCase().split('/');
    const globAt = segments.findIndex((segment) => GLOB.test(segment));
    const prefix = segments.slice(0, globAt).join('/');
    const pattern = globToRegExp(segments.slice(globAt).join('/'));
    const candidates = [...protectedEntries, '.git'];
    return candidates.some((entry) => {
      if (prefix !== '' && !entry.startsWith(`${prefix}/`)) return false;
      const rest = prefix === '' ? entry : entry.slice(prefix.length + 1);
      const parts = rest.split('/');
      // The glob matches the protected path or one of its parent directories.
      return parts.some((_, index) => pattern.test(parts.slice(0, index + 1).join('/')));
    });
  };

  return {
    resolve(value, cwd, options = {}) {
      const write = options.write === true;
      if (value.startsWith('~')) return { place: 'outside', relativePath: value };
      if (!value.startsWith('/') && cwd === undefined) return { place: 'uncertain', relativePath: value };
      const absolute = posix.resolve(cwd ?? SANDBOX_WORKDIR, value);
      const followed = followLinks(hostDir, absolute);
      if (followed === undefined) return { place: 'uncertain', relativePath: absolute };
      if (followed !== SANDBOX_WORKDIR && !followed.startsWith(`${SANDBOX_WORKDIR}/`)) {
        return {
          place: SCRATCH.some((pattern) => pattern.test(followed)) ? 'scratch' : 'outside',
          relativePath: followed,
        };
      }
      const relative = followed === SANDBOX_WORKDIR ? '' : followed.slice(SANDBOX_WORKDIR.length + 1);
      const guarded = GLOB.test(relative)
        ? couldMatchProtected(relative) || isProtected(relative, write)
        : isProtected(relative, write);
      return { place: guarded ? 'protected' : 'workspace', relativePath: relative };
    },
  };
}

/**
 * Follows symlinks inside the workspace the way the sandbox would: a link to `/workspace/x` stays in
 * the workspace, a link to `/etc` leaves it. Returns the sandbox path, or `undefined` when links loop.
 */
function followLinks(hostDir: string, absolute: string): string | undefined {
  let pending = absolute.split('/').filter(Boolean);
  let resolved = '/';
  for (let hops = 0; pending.length > 0; ) {
    const segment = pending.shift() as string;
    const next = posix.join(resolved, segment);
    if (next !== SANDBOX_WORKDIR && !next.startsWith(`${SANDBOX_WORKDIR}/`)) {
      // Outside the workspace: the host's own layout is not the sandbox's, so stop following here.
      return posix.join(next, ...pending);
    }
    const hostPath = path.join(hostDir, next.slice(SANDBOX_WORKDIR.length));
    let target: string | undefined;
    try {
      if (next !== SANDBOX_WORKDIR && lstatSync(hostPath).isSymbolicLink()) target = readlinkSync(hostPath);
    } catch {
      target = undefined;
    }
    if (target === undefined) {
      resolved = next;
      continue;
    }
    if (++hops > MAX_LINKS) return undefined;
    pending = [...target.split('/').filter(Boolean), ...pending];
    resolved = target.startsWith('/') ? '/' : resolved;
  }
  return posix.normalize(resolved);
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const character of glob) {
    if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else if (character === '[') source += '[';
    else if (character === ']') source += ']';
    else source += character.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    // Like the shell, a glob does not match a leading dot unless it says so.
    return new RegExp(`^${glob.startsWith('.') ? '' : '(?!\\.)'}${source}$`);
  } catch {
    return /^/;
  }
}
