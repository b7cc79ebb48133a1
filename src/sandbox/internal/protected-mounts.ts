import { lstatSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import type { ProtectedEntry } from '../protected-paths.ts';

/** Bubblewrap arguments that make protected paths read-only, and how to undo what was created for them. */
export interface ProtectedMounts {
  /** For bubblewrap: `--bind`/`--ro-bind` pairs over the workspace mount. */
  args: string[];
  /** The same as host path, workspace-relative destination and mode, for other drivers. */
  binds: { hostPath: string; relative: string; readOnly: boolean }[];
  /**
   * Removes the empty placeholders created on the host, so none ends up in the agent's commit. With
   * `keepDirectories`, directory placeholders stay (git does not record empty directories) and are
   * returned, for the caller to remove later with {@link removePlaceholders}; this spares two metadata
   * calls per directory on every command.
   */
  cleanup(options?: { keepDirectories?: boolean }): Promise<string[]>;
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
 * Prepares read-only mounts over every protected entry inside `workspaceDir`. An entry that does not
 * exist gets an empty placeholder (directory or file, by the entry's trailing `/`) mounted read-only,
 * so it cannot be created either; placeholders are removed by `cleanup` when still empty. Directories
 * between the workspace root and a nested entry (`.github` for `.github/workflows`) are bind-mounted
 * onto themselves: a mount point cannot be renamed, so the agent cannot move the protected directory
 * aside and create a fresh one. A non-directory where a parent should be is mounted read-only instead.
 *
 * @throws SystemError `sandbox-failed` when a protected entry or one of its parents is a symbolic link
 *   (it would be mounted wherever it points); fails closed.
 */
export async function prepareProtectedMounts(
  workspaceDir: string,
  entries: readonly ProtectedEntry[],
): Promise<ProtectedMounts> {
  const args: string[] = [];
  const binds: ProtectedMounts['binds'] = [];
  const created: { hostPath: string; directory: boolean }[] = [];
  const selfBound = new Set<string>();
  const readOnly = new Set<string>();
  const inside = (relative: string) => `${SANDBOX_WORKDIR}/${relative}`;

  try {
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
        let kind = kindOf(hostPath);
        if (kind === 'link') {
          throw new SystemError(
            'sandbox-failed',
            `the protected path ${relative} in the workspace is a symbolic link; refusing to run commands`,
          );
        }
        if (kind === null) {
          const directory = !last || entry.directory;
          if (directory) mkdirSync(hostPath);
          else writeFileSync(hostPath, '', { flag: 'wx', mode: 0o444 });
          created.push({ hostPath, directory });
          kind = directory ? 'directory' : 'other';
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
  } catch (error) {
    removeCreated(created);
    if (error instanceof SystemError) throw error;
    throw new SystemError('sandbox-failed', `could not prepare the protected paths: ${String(error)}`, {
      cause: error,
    });
  }
  return {
    args,
    binds,
    async cleanup(options = {}) {
      if (!options.keepDirectories) {
        removeCreated(created);
        return [];
      }
      removeCreated(created.filter((placeholder) => !placeholder.directory));
      return created
        .filter((placeholder) => placeholder.directory)
        .map((placeholder) => placeholder.hostPath);
    },
  };
}

/** Removes directory placeholders kept by `cleanup({ keepDirectories: true })`, when still empty. */
export function removePlaceholders(directories: readonly string[]): void {
  removeCreated([...directories].sort().map((hostPath) => ({ hostPath, directory: true })));
}

/** Deepest first; only what is still an empty placeholder. */
function removeCreated(created: readonly { hostPath: string; directory: boolean }[]): void {
  for (const { hostPath, directory } of [...created].reverse()) {
    const info = lstatSync(hostPath, { throwIfNoEntry: false });
    if (!info) continue;
    try {
      if (directory && info.isDirectory()) rmdirSync(hostPath);
      else if (!directory && info.isFile() && info.size === 0) rmSync(hostPath, { force: true });
    } catch {
      // Not empty any more (the agent could not have written it, but a test could): leave it.
    }
  }
}
