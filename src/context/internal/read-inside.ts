import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The bytes of `relative` under `realRoot` (a root already resolved by `realpath`), or `undefined`
 * when it is not a regular file strictly inside the root reached without a symbolic link, is larger than
 * `maxBytes`, or cannot be read. The path is resolved before it is opened (a link anywhere on the way
 * moves it, and it is refused) and opened with `O_NOFOLLOW` (a link swapped in at the end is refused),
 * so a workspace cannot point the map at a file outside itself.
 */
export async function readInside(
  realRoot: string,
  relative: string,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const absolute = path.resolve(realRoot, relative);
  const prefix = realRoot.endsWith(path.sep) ? realRoot : `${realRoot}${path.sep}`;
  if (!absolute.startsWith(prefix) || absolute === prefix) return undefined;
  try {
    if ((await realpath(absolute)) !== absolute) return undefined;
    const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size > maxBytes) return undefined;
      const buffer = Buffer.alloc(info.size);
      let filled = 0;
      while (filled < info.size) {
        const { bytesRead } = await handle.read(buffer, filled, info.size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
