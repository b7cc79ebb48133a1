import { createHash } from 'node:crypto';
import { lstatSync, lutimesSync, readFileSync, renameSync, type Stats, writeFileSync } from 'node:fs';
import { open, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runGit } from '../git.ts';
import { indexEntries, matchesIndex, writeEntryTimes } from './git-index-stat.ts';

/**
 * Margin past the second boundary before the index is dated: the kernel stamps files from a coarse
 * clock that may trail `Date.now()` by a tick.
 */
const CLOCK_MARGIN_MS = 20;

/** Longest wait for the clock to leave the checkout's last second; beyond it, git re-hashes instead. */
const MAX_WAIT_MS = 100;
/**
 * The same for an index of fewer than {@link SMALL_INDEX_ENTRIES} entries: re-dating a few files and
 * refreshing (two git processes, ~20–30 ms) is cheaper than waiting for the clock.
 */
const SMALL_INDEX_MAX_WAIT_MS = 20;
const SMALL_INDEX_ENTRIES = 1000;

/**
 * Makes a fresh checkout's `.git/index` genuinely fresh, in place: `git status` run on it finds every
 * file clean from its stat data alone, re-hashing nothing, even where it cannot save the index (the
 * sandbox sees `.git` read-only).
 *
 * Git distrusts ("racy git") every entry whose file's mtime is not strictly older, in whole seconds,
 * than the index file, and re-hashes it on every status that cannot save the index; right after a
 * checkout, that is every file written in the checkout's last second. The stat data in the index
 * describe the files exactly as the checkout left them, and nothing but Warden has touched them yet,
 * so the index is as true a moment later as when it was written. When the clock is about to leave that
 * second, the index is dated once it has; otherwise the files written in that second are dated a second
 * earlier and the index is rewritten with their new dates ({@link redateRacyEntries}), re-hashing
 * nothing. An index Warden does not rewrite (version 4) is refreshed by git instead, which re-hashes
 * the files written in that second once.
 *
 * Call it only on a checkout no agent has touched yet: its dating vouches that no file changed.
 * `maxWaitMs` is the longest wait for the clock before re-hashing instead (tests choose each way);
 * by default 100 ms, or 20 ms for an index of fewer than 1,000 entries.
 *
 * @throws SystemError `git-failed` when git cannot list or refresh the index.
 */
export async function writeFreshGitIndex(workspaceDir: string, maxWaitMs?: number): Promise<void> {
  const gitDir = path.join(workspaceDir, '.git');
  const indexFile = path.join(gitDir, 'index');
  // Git writes the index after every file, so no file's mtime is later than the index's.
  const lastSecond = Math.floor((await stat(indexFile)).mtimeMs / 1000);
  const wait = (lastSecond + 1) * 1000 + CLOCK_MARGIN_MS - Date.now();
  if (wait <= (maxWaitMs ?? (await defaultMaxWait(indexFile)))) {
    if (wait > 0) await delay(wait);
    const now = new Date();
    await utimes(indexFile, now, now);
    return;
  }
  if (redateRacyEntries(workspaceDir, indexFile, lastSecond)) return;
  const { stdout } = await runGit(['ls-files', '--stage', '-z'], {
    cwd: workspaceDir,
    env: { GIT_DIR: gitDir },
  });
  const files = stdout
    .split('\0')
    .filter((record) => record !== '' && !record.startsWith('160000 '))
    .map((record) => record.slice(record.indexOf('\t') + 1));
  const earlier = lastSecond - 1;
  // Synchronous calls: on thousands of files whose inodes are cached, several times faster than a
  // promise each.
  for (const name of files) {
    const file = path.join(workspaceDir, name);
    let info: Stats;
    try {
      info = lstatSync(file);
    } catch {
      continue;
    }
    // `lutimes`: git records a symbolic link's own time, and its target is never touched.
    if (Math.floor(info.mtimeMs / 1000) >= lastSecond) lutimesSync(file, earlier, earlier);
  }
  // Git writes the refreshed index now, a second or more after every file's (new) mtime.
  await runGit(['update-index', '-q', '--refresh'], {
    cwd: workspaceDir,
    env: { GIT_DIR: gitDir, GIT_WORK_TREE: workspaceDir },
    // Exit 1 says some entry needs updating; nothing but Warden wrote the checkout, so none can.
    acceptExitCodes: [1],
  });
}

/** How long to wait for the clock by default: less for a small index, which is cheap to refresh. */
async function defaultMaxWait(indexFile: string): Promise<number> {
  const header = Buffer.alloc(12);
  const handle = await open(indexFile, 'r');
  try {
    const { bytesRead } = await handle.read(header, 0, 12, 0);
    // "DIRC", the version, then the number of entries.
    if (bytesRead < 12) return MAX_WAIT_MS;
    return header.readUInt32BE(8) < SMALL_INDEX_ENTRIES ? SMALL_INDEX_MAX_WAIT_MS : MAX_WAIT_MS;
  } finally {
    await handle.close();
  }
}

/**
 * Dates every file the index records as written in `lastSecond` a second earlier, and writes its new
 * times into its entry, so that no entry is racy and git re-hashes nothing; the index is written anew
 * (through `index.lock`, as git does), which dates it now. Synchronous calls: on thousands of files
 * whose inodes are cached, several times faster than a promise each.
 *
 * Returns `false`, the index left as it was, when the index is not one this rewrites (version 4, a
 * checksum that does not hold) or a file's stat data no longer match its entry; files already dated
 * are then found changed by git's own refresh, which re-hashes them.
 */
function redateRacyEntries(workspaceDir: string, indexFile: string, lastSecond: number): boolean {
  const data = readFileSync(indexFile);
  for (const format of ['sha1', 'sha256'] as const) {
    const entries = indexEntries(data, format);
    if (!entries) continue;
    const earlier = lastSecond - 1;
    for (const entry of entries) {
      if (entry.stage !== 0 || entry.unchecked || entry.mode === 0o160000) continue;
      if (entry.mtimeSeconds < lastSecond) continue;
      const file = path.join(workspaceDir, entry.path);
      const before = lstatSync(file, { bigint: true, throwIfNoEntry: false });
      if (!before || !matchesIndex(entry, before)) return false;
      // `lutimes`: git records a symbolic link's own time, and its target is never touched.
      lutimesSync(file, earlier, earlier);
      writeEntryTimes(data, entry.offset, lstatSync(file, { bigint: true }));
    }
    const body = data.subarray(0, data.length - (format === 'sha256' ? 32 : 20));
    createHash(format).update(body).digest().copy(data, body.length);
    const lock = `${indexFile}.lock`;
    writeFileSync(lock, data, { flag: 'wx' });
    renameSync(lock, indexFile);
    return true;
  }
  return false;
}
