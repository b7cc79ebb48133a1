import { lstatSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';

/**
 * Checks `SandboxSettings.gitIndexDir` and returns it absolute: an existing directory, not a symbolic
 * link, neither inside the workspace nor holding it (the sandbox may write it, and only it).
 *
 * @throws SystemError `sandbox-failed` otherwise; fails closed rather than mount something else.
 */
export function checkGitIndexDir(gitIndexDir: string, workspaceDir: string): string {
  const resolved = path.resolve(gitIndexDir);
  const info = lstatSync(resolved, { throwIfNoEntry: false });
  const fail = (why: string) =>
    new SystemError('sandbox-failed', `the sandbox's git index directory ${resolved} ${why}`, {
      hint: 'give the sandbox a directory of its own outside the workspace for its git index',
    });
  if (!info?.isDirectory()) throw fail('is not a directory');
  const inside = (parent: string, child: string) => {
    const relative = path.relative(parent, child);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  if (inside(workspaceDir, resolved) || inside(resolved, workspaceDir)) throw fail('overlaps the workspace');
  return resolved;
}

/**
 * After a command: removes from the git index directory anything that is not a regular file (a
 * symbolic link, a FIFO, a directory the agent made there), so host git reading the index later never
 * follows a link into the host or blocks on a pipe, and any `*.lock` (stale: the command's processes
 * are gone, and a lock left by a killed git would stop the next one). Other regular files, the index
 * included, stay; their content is still the agent's and is read as untrusted data.
 */
export function clearGitIndexDir(gitIndexDir: string): void {
  for (const name of readdirSync(gitIndexDir)) {
    const entry = path.join(gitIndexDir, name);
    const info = lstatSync(entry, { throwIfNoEntry: false });
    if (!info || (info.isFile() && !name.endsWith('.lock'))) continue;
    try {
      rmSync(entry, { recursive: true, force: true });
    } catch (error) {
      throw new SystemError('sandbox-failed', `could not clear ${entry} from the git index directory`, {
        cause: error,
        hint: 'remove it by hand, or give the task a fresh git index directory',
      });
    }
  }
}
