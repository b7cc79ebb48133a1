import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** What {@link measureDiskUse} may leave out or stop early on. */
export interface DiskUseOptions {
  /** Stop counting once the total passes this and return what was counted. Default: count everything. */
  stopAbove?: number;
  /** A host path under the directory that is not walked nor counted (the caller counts it apart). */
  skip?: string;
}

/**
 * Bytes of disk the tree under `directory` occupies (allocated blocks, so sparse files count what they
 * really use; directories included; symbolic links not followed). Synchronous and in one pass: one
 * `readdir` and one `lstat` per entry without a round trip through the thread pool each, which is
 * several times faster than promises per entry on a large tree. Returns `Infinity` when a directory
 * cannot be read (an agent can make one unreadable), so the caller fails closed.
 */
export function measureDiskUse(directory: string, options: DiskUseOptions = {}): number {
  const stopAbove = options.stopAbove ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const pending = [directory];
  while (pending.length > 0 && total <= stopAbove) {
    const current = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      // Gone since it was listed: nothing to count. Anything else hides what is inside.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return Number.POSITIVE_INFINITY;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (full === options.skip) continue;
      const info = lstatSync(full, { throwIfNoEntry: false });
      if (!info) continue;
      total += info.blocks * 512;
      if (info.isDirectory()) pending.push(full);
    }
  }
  return total;
}
