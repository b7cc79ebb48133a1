import { copyFile, mkdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The index file's name in a workspace's git index directory (what `GIT_INDEX_FILE` names). */
export const GIT_INDEX_FILE_NAME = 'index';

/**
 * Margin past the second boundary before the index is dated: the kernel stamps files from a coarse
 * clock that may trail `Date.now()` by a tick.
 */
const CLOCK_MARGIN_MS = 20;

/**
 * Puts a copy of a fresh checkout's git index into `gitIndexDir`, genuinely fresh: `git status` run on
 * it finds every file clean from its stat data alone, re-hashing nothing.
 *
 * Git distrusts ("racy git") every entry whose file's mtime is not strictly older, in whole seconds,
 * than the index file, and re-hashes it on every status that cannot save the index; right after a
 * checkout, that is every file written in the checkout's last second. The stat data in the index
 * describe the files exactly as the checkout left them, and nothing but Warden has touched them yet,
 * so the index is as true a second later as when it was written. The copy is therefore dated once the
 * clock has passed the checkout's last second (waiting for the rest of that second when the checkout
 * ended in the current one), and `.git/index` is dated the same, so git that is not pointed at the
 * private index is fast too. No file of the work tree is touched and no git runs.
 *
 * Call it only on a checkout no agent has touched yet: its dating vouches that no file changed.
 */
export async function writeFreshGitIndex(workspaceDir: string, gitIndexDir: string): Promise<void> {
  const checkoutIndex = path.join(workspaceDir, '.git', 'index');
  // Git writes the index after every file, so no file's mtime is later than the index's.
  const written = (await stat(checkoutIndex)).mtimeMs;
  const freshFrom = (Math.floor(written / 1000) + 1) * 1000 + CLOCK_MARGIN_MS;
  await rm(gitIndexDir, { recursive: true, force: true });
  await mkdir(gitIndexDir, { recursive: true });
  const indexFile = path.join(gitIndexDir, GIT_INDEX_FILE_NAME);
  await copyFile(checkoutIndex, indexFile);
  const wait = freshFrom - Date.now();
  if (wait > 0) await delay(wait);
  const now = new Date();
  await Promise.all([utimes(indexFile, now, now), utimes(checkoutIndex, now, now)]);
}

/**
 * Gives a reopened workspace a new git index directory holding a copy of `.git/index`, which only
 * Warden ever writes (the sandbox sees `.git` read-only). The old directory is removed unread: the
 * agent could write anything there. Git in the sandbox re-hashes what the agent changed once, then
 * saves its refreshed index there.
 */
export async function resetGitIndex(workspaceDir: string, gitIndexDir: string): Promise<void> {
  await rm(gitIndexDir, { recursive: true, force: true });
  await mkdir(gitIndexDir, { recursive: true });
  await copyFile(path.join(workspaceDir, '.git', 'index'), path.join(gitIndexDir, GIT_INDEX_FILE_NAME)).catch(
    () => undefined,
  );
}
