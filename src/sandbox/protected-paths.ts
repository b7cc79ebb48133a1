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
 * refused elsewhere).
 */
export function isProtectedPath(
  relativePath: string,
  protectedPaths: readonly string[] = DEFAULT_PROTECTED_PATHS,
): boolean {
  const normalized = path.posix.normalize(relativePath.split(path.sep).join('/'));
  if (normalized === '.' || normalized.startsWith('../') || normalized === '..') return false;
  const segments = normalized
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .map((segment) => segment.toLowerCase());
  if (segments.includes('.git')) return true;
  return parseProtectedPaths(protectedPaths).some(
    (entry) =>
      entry.segments.length <= segments.length &&
      entry.segments.every((segment, index) => segment.toLowerCase() === segments[index]),
  );
}
