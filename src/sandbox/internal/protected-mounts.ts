import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import type { ProtectedEntry } from '../protected-paths.ts';

/** Bubblewrap arguments that make protected paths read-only, and which of them exist. */
export interface ProtectedMounts {
  /** For bubblewrap: `--bind`/`--ro-bind` pairs over the workspace mount. */
  args: string[];
  /** The same as host path, workspace-relative destination and mode, for other drivers. */
  binds: { hostPath: string; relative: string; readOnly: boolean }[];
  /**
   * Workspace-relative paths, as spelled on disk, of every protected path and parent that existed and
   * is now mounted: anything else at a protected path after a command was made by it (see
   * `removeProtectedRemnants`).
   */
  existing: ReadonlySet<string>;
}

/**
 * Names in `directory` equal to `segment` without regard to case, as a case-insensitive checkout of the
 * result would see them; none when the directory cannot be read.
 */
export function namesLike(directory: string, segment: string, cache: Map<string, string[]>): string[] {
  let names = cache.get(directory);
  if (!names) {
    names = readdirSync(directory);
    cache.set(directory, names);
  }
  const wanted = segment.toLowerCase();
  return names.filter((name) => name.toLowerCase() === wanted);
}

/**
 * Prepares read-only mounts over every protected path that exists inside `workspaceDir`, in any case
 * (`.GitHub/workflows` too), and creates nothing: the agent sees exactly the repository. Directories
 * between the workspace root and a nested entry (`.github` for `.github/workflows`) are bind-mounted
 * onto themselves: a mount point cannot be renamed or removed, so the agent can neither move the
 * protected directory aside and create a fresh one nor swap the parent for a symbolic link. A
 * non-directory where a parent should be is mounted read-only instead. Missing protected paths stay
 * missing; the caller clears what a command creates there.
 *
 * @throws SystemError `sandbox-failed` when a protected entry or one of its parents is a symbolic link
 *   (it would be mounted wherever it points), or the workspace cannot be read; fails closed.
 */
export function prepareProtectedMounts(
  workspaceDir: string,
  entries: readonly ProtectedEntry[],
): ProtectedMounts {
  const args: string[] = [];
  const binds: ProtectedMounts['binds'] = [];
  const existing = new Set<string>();
  const readOnly = new Set<string>();
  const listings = new Map<string, string[]>();

  const visit = (relative: string, segments: readonly string[]) => {
    const [segment, ...rest] = segments;
    if (segment === undefined) return;
    for (const name of namesLike(path.join(workspaceDir, relative), segment, listings)) {
      const child = relative ? `${relative}/${name}` : name;
      // Already read-only as a whole (a broader entry): a rw self-bind here would undo that.
      if (readOnly.has(child)) continue;
      const hostPath = path.join(workspaceDir, child);
      const info = lstatSync(hostPath);
      if (info.isSymbolicLink()) {
        throw new SystemError(
          'sandbox-failed',
          `the protected path ${child} in the workspace is a symbolic link; refusing to run commands`,
          {
            hint: 'remove the symbolic link from the repository, or drop the path from sandbox.protectedPaths',
          },
        );
      }
      if (rest.length === 0 || !info.isDirectory()) {
        args.push('--ro-bind', hostPath, `${SANDBOX_WORKDIR}/${child}`);
        binds.push({ hostPath, relative: child, readOnly: true });
        readOnly.add(child);
      } else {
        if (!existing.has(child)) {
          args.push('--bind', hostPath, `${SANDBOX_WORKDIR}/${child}`);
          binds.push({ hostPath, relative: child, readOnly: false });
        }
        visit(child, rest);
      }
      existing.add(child);
    }
  };

  try {
    // Broader entries first, so a narrower one never re-mounts a read-only parent read-write.
    const ordered = [...entries].sort((left, right) => left.segments.length - right.segments.length);
    for (const entry of ordered) visit('', entry.segments);
  } catch (error) {
    if (error instanceof SystemError) throw error;
    throw new SystemError('sandbox-failed', `could not prepare the protected paths: ${String(error)}`, {
      cause: error,
      hint: 'the workspace must stay readable by Warden',
    });
  }
  return { args, binds, existing };
}
