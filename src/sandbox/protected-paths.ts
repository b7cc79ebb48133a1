import path from 'node:path';
import { DEFAULT_PROTECTED_PATHS } from '../spec/sandbox.ts';

/** A protected-path entry split into lower-cased segments, and whether it names a directory. */
export interface ProtectedEntry {
  /** As written in the list, without a trailing `/`. */
  path: string;
  segments: string[];
  directory: boolean;
}

/**
 * Parses a protected-path list: workspace-relative, `/`-separated, a trailing `/` for a directory.
 * Entries that are empty, absolute or contain `..` are dropped (the config schema refuses them first).
 */
export function parseProtectedPaths(entries: readonly string[] = DEFAULT_PROTECTED_PATHS): ProtectedEntry[] {
  const parsed: ProtectedEntry[] = [];
  for (const entry of entries) {
    const trimmed = entry.replace(/^\.\/+/, '');
    const segments = trimmed.split('/').filter((segment) => segment !== '' && segment !== '.');
    if (segments.length === 0 || trimmed.startsWith('/') || segments.includes('..')) continue;
    parsed.push({ path: segments.join('/'), segments, directory: entry.endsWith('/') });
  }
  return parsed;
}

/**
 * Whether a workspace-relative path is protected: equal to or under an entry of `protectedPaths`
 * (compared without regard to case, so a case-insensitive checkout cannot be fooled), or under any
 * `.git` directory at any depth. `.` and paths that leave the workspace are not protected (they are
 * refused elsewhere). The one matcher: the sandbox's file view and the policy engine both use it.
 */
export function isProtectedPath(
  relativePath: string,
  protectedPaths: readonly string[] = DEFAULT_PROTECTED_PATHS,
): boolean {
  const segments = segmentsOf(relativePath);
  if (segments === undefined) return false;
  if (segments.includes('.git')) return true;
  return parseProtectedPaths(protectedPaths).some(
    (entry) =>
      entry.segments.length <= segments.length &&
      entry.segments.every((segment, index) => segment.toLowerCase() === segments[index]),
  );
}

/**
 * Whether a workspace-relative path is a directory that holds a protected path: the workspace root
 * (`.` or ``), or a parent of an entry of `protectedPaths` (`.github` holds `.github/workflows/`),
 * compared without regard to case. Removing or moving such a directory changes the protected path
 * too, so a command that writes it is judged as writing a protected path.
 */
export function holdsProtectedPath(
  relativePath: string,
  protectedPaths: readonly string[] = DEFAULT_PROTECTED_PATHS,
): boolean {
  const segments = segmentsOf(relativePath);
  if (segments === undefined) return false;
  if (segments.length === 0) return true;
  return parseProtectedPaths(protectedPaths).some(
    (entry) =>
      entry.segments.length > segments.length &&
      segments.every((segment, index) => entry.segments[index]!.toLowerCase() === segment),
  );
}

/** Lower-cased segments of a workspace-relative path; `[]` for the root, undefined when it leaves. */
function segmentsOf(relativePath: string): string[] | undefined {
  const normalized = path.posix.normalize(relativePath.split(path.sep).join('/') || '.');
  if (normalized.startsWith('../') || normalized === '..') return undefined;
  return normalized
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .map((segment) => segment.toLowerCase());
}
