import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import type { ProtectedEntry } from '../protected-paths.ts';
import { namesLike } from './protected-mounts.ts';

/**
 * Removes on the host whatever a command created at a protected path (in any case: `.ENVRC` as well as
 * `.envrc`), and returns the workspace-relative paths it removed. `existing` is what
 * `prepareProtectedMounts` found and mounted before the command; anything else matching an entry is the
 * command's. Paths are walked level by level with `readdir` and `lstat`, never following a link: a
 * symbolic link the agent made where a parent should be (`.github` -> a host directory) is itself
 * removed and what it points to is never touched. A directory is emptied depth first by names, again
 * without following links.
 *
 * Call it once the command's processes are gone (bubblewrap's pid namespace ends with the command).
 *
 * @throws SystemError `sandbox-failed` when something there cannot be removed or the workspace cannot
 *   be read; fails closed, since it would otherwise end up in the result commit.
 */
export function removeProtectedRemnants(
  workspaceDir: string,
  entries: readonly ProtectedEntry[],
  existing: ReadonlySet<string>,
): string[] {
  const removed: string[] = [];
  const listings = new Map<string, string[]>();

  const visit = (relative: string, segments: readonly string[]) => {
    const [segment, ...rest] = segments;
    if (segment === undefined) return;
    for (const name of namesLike(path.join(workspaceDir, relative), segment, listings)) {
      const child = relative ? `${relative}/${name}` : name;
      const hostPath = path.join(workspaceDir, child);
      const info = lstatSync(hostPath, { throwIfNoEntry: false });
      if (!info) continue;
      const made = !existing.has(child);
      if (made && (rest.length === 0 || info.isSymbolicLink())) {
        removeTree(hostPath, child);
        removed.push(child);
      } else if (rest.length > 0 && info.isDirectory()) {
        try {
          visit(child, rest);
        } catch (error) {
          // A directory the command made and left unreadable may hide a protected path: all of it goes.
          if (!made || error instanceof SystemError) throw error;
          removeTree(hostPath, child);
          removed.push(child);
        }
      }
    }
  };

  try {
    for (const entry of entries) visit('', entry.segments);
  } catch (error) {
    if (error instanceof SystemError) throw error;
    throw new SystemError('sandbox-failed', `could not check the protected paths: ${String(error)}`, {
      cause: error,
      hint: 'the workspace must stay readable by Warden; delete it and run the task again',
    });
  }
  return [...new Set(removed)];
}

/** Removes `hostPath` and, for a real directory, everything under it; links are removed, not followed. */
function removeTree(hostPath: string, relative: string): void {
  try {
    const info = lstatSync(hostPath, { throwIfNoEntry: false });
    if (!info) return;
    if (!info.isDirectory()) {
      unlinkSync(hostPath);
      return;
    }
    if ((info.mode & 0o700) !== 0o700) {
      // The agent left it unreadable or unwritable; it made it, so giving it back is harmless. chmod
      // follows links, hence the check that the same directory is still there.
      chmodSync(hostPath, 0o700);
      const again = lstatSync(hostPath);
      if (!again.isDirectory() || again.ino !== info.ino || again.dev !== info.dev) {
        throw new SystemError('sandbox-failed', `${relative} changed while Warden was removing it`);
      }
    }
    for (const name of readdirSync(hostPath)) removeTree(path.join(hostPath, name), relative);
    rmdirSync(hostPath);
  } catch (error) {
    if (error instanceof SystemError) throw error;
    throw new SystemError(
      'sandbox-failed',
      `could not remove what a command created at the protected path ${relative}: ${String(error)}`,
      { cause: error, hint: 'delete the workspace and run the task again' },
    );
  }
}
