import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes of disk the tree under `directory` occupies (allocated blocks, so sparse files count what they
 * really use; directories included; symbolic links not followed). Stops counting once `stopAbove` is
 * passed and returns what it has, since the caller only asks "is it over the limit?".
 */
export async function measureDiskUse(
  directory: string,
  stopAbove = Number.POSITIVE_INFINITY,
): Promise<number> {
  let total = 0;
  const pending = [directory];
  while (pending.length > 0 && total <= stopAbove) {
    const current = pending.pop() as string;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    const sizes = await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(current, entry.name);
        if (entry.isDirectory()) pending.push(full);
        const info = await lstat(full).catch(() => null);
        return info ? info.blocks * 512 : 0;
      }),
    );
    for (const size of sizes) total += size;
  }
  return total;
}
