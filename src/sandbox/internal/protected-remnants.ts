import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';

/**
 * Removes on the host whatever a command created at protected paths that were missing before it
 * (`ProtectedMounts.missing`), and returns the workspace-relative paths it removed. Each path is walked
 * component by component with `lstat`, never following a link: a symbolic link the agent made where a
 * parent should be (`.github` -> a host directory) is itself removed, and what it points to is never
 * touched. A directory is emptied depth first by names, again without following links.
 *
 * Call it once the command's processes are gone (bubblewrap's pid namespace ends with the command).
 *
 * @throws SystemError `sandbox-failed` when something there cannot be removed; fails closed, since it
 *   would otherwise end up in the result commit.
 */
export function removeProtectedRemnants(workspaceDir: string, missing: readonly string[]): string[] {
  const removed: string[] = [];
  for (const relative of missing) {
    const segments = relative.split('/');
    let current = workspaceDir;
    for (const [index, segment] of segments.entries()) {
      current = path.join(current, segment);
      const info = lstatSync(current, { throwIfNoEntry: false });
      if (!info) break;
      const last = index === segments.length - 1;
      if (!last && !info.isSymbolicLink() && !info.isDirectory()) break;
      if (last || info.isSymbolicLink()) {
        removeTree(current, relative);
        removed.push(segments.slice(0, index + 1).join('/'));
        break;
      }
    }
  }
  return removed;
}

/** Removes `hostPath` and, for a real directory, everything under it; links are removed, not followed. */
function removeTree(hostPath: string, protectedPath: string): void {
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
        throw new SystemError('sandbox-failed', `${hostPath} changed while Warden was removing it`);
      }
    }
    const names = readdirSync(hostPath);
    for (const name of names) removeTree(path.join(hostPath, name), protectedPath);
    rmdirSync(hostPath);
  } catch (error) {
    if (error instanceof SystemError) throw error;
    throw new SystemError(
      'sandbox-failed',
      `could not remove what a command created at the protected path ${protectedPath}: ${String(error)}`,
      { cause: error, hint: 'the workspace may be left as is; delete it and run the task again' },
    );
  }
}
