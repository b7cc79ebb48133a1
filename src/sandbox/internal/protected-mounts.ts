import { lstatSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import type { ProtectedEntry } from '../protected-paths.ts';

/** Bubblewrap arguments that make protected paths read-only, and which protected paths are missing. */
export interface ProtectedMounts {
  /** For bubblewrap: `--bind`/`--ro-bind` pairs over the workspace mount. */
  args: string[];
  /** The same as host path, workspace-relative destination and mode, for other drivers. */
  binds: { hostPath: string; relative: string; readOnly: boolean }[];
  /**
   * Workspace-relative protected paths that do not exist: whatever a command creates there is removed
   * after it (see `removeProtectedRemnants`).
   */
  missing: string[];
}

type Kind = 'directory' | 'other' | 'link' | null;

// Synchronous on purpose: a few dozen tiny metadata calls per command cost far less without a round trip
// through the thread pool each, and startup is on every command's path.
function kindOf(hostPath: string): Kind {
  const info = lstatSync(hostPath, { throwIfNoEntry: false });
  if (!info) return null;
  if (info.isSymbolicLink()) return 'link';
  return info.isDirectory() ? 'directory' : 'other';
}

/**
 * Prepares read-only mounts over every protected entry that exists inside `workspaceDir`, and creates
 * nothing: the agent sees exactly the repository. An entry that does not exist is returned in `missing`
 * for the caller to clear after each command. Directories between the workspace root and a nested entry
 * (`.github` for `.github/workflows`) are bind-mounted onto themselves: a mount point cannot be renamed
 * or removed, so the agent cannot move the protected directory aside and create a fresh one, nor swap
 * the parent for a symbolic link. A non-directory where a parent should be is mounted read-only instead.
 *
 * @throws SystemError `sandbox-failed` when a protected entry or one of its parents is a symbolic link
 *   (it would be mounted wherever it points); fails closed.
 */
export function prepareProtectedMounts(
  workspaceDir: string,
  entries: readonly ProtectedEntry[],
): ProtectedMounts {
  const args: string[] = [];
  const binds: ProtectedMounts['binds'] = [];
  const missing: string[] = [];
  const selfBound = new Set<string>();
  const readOnly = new Set<string>();
  const inside = (relative: string) => `${SANDBOX_WORKDIR}/${relative}`;

  // Broader entries first, so a narrower one never re-mounts a read-only parent read-write.
  const ordered = [...entries].sort((left, right) => left.segments.length - right.segments.length);
  for (const entry of ordered) {
    let relative = '';
    for (const [index, segment] of entry.segments.entries()) {
      relative = relative ? `${relative}/${segment}` : segment;
      const hostPath = path.join(workspaceDir, relative);
      const last = index === entry.segments.length - 1;
      // Already read-only as a whole (a broader entry): a rw self-bind here would undo that.
      if (readOnly.has(relative)) break;
      const kind = kindOf(hostPath);
      if (kind === 'link') {
        throw new SystemError(
          'sandbox-failed',
          `the protected path ${relative} in the workspace is a symbolic link; refusing to run commands`,
          {
            hint: 'remove the symbolic link from the repository, or drop the path from sandbox.protectedPaths',
          },
        );
      }
      if (kind === null) {
        missing.push(entry.segments.join('/'));
        break;
      }
      if (last || kind !== 'directory') {
        args.push('--ro-bind', hostPath, inside(relative));
        binds.push({ hostPath, relative, readOnly: true });
        readOnly.add(relative);
        break;
      }
      if (!selfBound.has(relative)) {
        args.push('--bind', hostPath, inside(relative));
        binds.push({ hostPath, relative, readOnly: false });
      }
      selfBound.add(relative);
    }
  }
  return { args, binds, missing };
}
