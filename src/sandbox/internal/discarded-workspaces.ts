import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where finished tasks' directories wait to be deleted: `<scratchDir>/.discarded`. A task id never
 * begins with a dot, so no task's directory can be this one, and nothing here is ever read again.
 */
export function discardedDir(scratchDir: string): string {
  return path.join(path.resolve(scratchDir), '.discarded');
}

/**
 * Takes a finished task's directory off the task's path at once, then deletes it off the critical path.
 * The directory is renamed (atomic, on the same filesystem) to a name of its own under
 * {@link discardedDir} — its task id and a random suffix, so two discards never share a name — and a
 * detached `rm -rf` that outlives this process deletes it. A directory whose rename fails is deleted
 * here and now, as before. Whatever a killed or failed `rm` leaves is deleted by
 * {@link sweepDiscardedWorkspaces} when the next task starts.
 */
export async function discardTaskDir(scratchDir: string, taskDir: string): Promise<void> {
  const trash = discardedDir(scratchDir);
  const target = path.join(trash, `${path.basename(taskDir)}.${randomUUID()}`);
  const moved = await mkdir(trash, { recursive: true })
    .then(() => rename(taskDir, target))
    .then(
      () => true,
      () => false,
    );
  if (!moved) {
    await rm(taskDir, { recursive: true, force: true });
    return;
  }
  removeDetached([target]);
}

/**
 * Deletes what earlier discards left under {@link discardedDir} (a process killed before its `rm` ended,
 * an `rm` that failed), by a detached `rm -rf`, without waiting for it. Only that directory is touched:
 * every entry in it is a whole task directory no task uses any more.
 */
export async function sweepDiscardedWorkspaces(scratchDir: string): Promise<void> {
  const trash = discardedDir(scratchDir);
  const names = await readdir(trash).catch(() => []);
  if (names.length > 0) removeDetached(names.map((name) => path.join(trash, name)));
}

/** `rm -rf` on `paths` in a process of its own that this one does not wait for, nor keep alive for. */
function removeDetached(paths: readonly string[]): void {
  try {
    const child = spawn('rm', ['-rf', '--', ...paths], { detached: true, stdio: 'ignore' });
    // A missing `rm` leaves the paths for the next sweep.
    child.on('error', () => {});
    child.unref();
  } catch {
    // Likewise: the next sweep removes them.
  }
}
