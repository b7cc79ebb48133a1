import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs';
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

/**
 * `readInside` with synchronous calls, for a caller that reads many files in a row (a promise per call
 * costs more than the call): the same answers. Where `/proc/self/fd` names what a descriptor opened
 * (Linux, checked once on the root), the file is opened first and the path it opened is checked, one
 * call instead of a `realpath` that looks at every directory on the way, and no window between the check
 * and the open; elsewhere the path is resolved before it is opened, as `readInside` does.
 */
export function createInsideReader(
  realRoot: string,
): (relative: string, maxBytes: number) => Uint8Array | undefined {
  const prefix = realRoot.endsWith(path.sep) ? realRoot : `${realRoot}${path.sep}`;
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const namesDescriptors = openedPath(realRoot, constants.O_RDONLY) === realRoot;
  return (relative, maxBytes) => {
    const absolute = path.resolve(realRoot, relative);
    if (!absolute.startsWith(prefix) || absolute === prefix) return undefined;
    try {
      if (!namesDescriptors && realpathSync.native(absolute) !== absolute) return undefined;
      const descriptor = openSync(absolute, flags);
      try {
        if (namesDescriptors && readlinkSync(`/proc/self/fd/${descriptor}`) !== absolute) return undefined;
        const info = fstatSync(descriptor);
        if (!info.isFile() || info.size > maxBytes) return undefined;
        const buffer = Buffer.allocUnsafe(info.size);
        let filled = 0;
        while (filled < info.size) {
          const bytesRead = readSync(descriptor, buffer, filled, info.size - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } finally {
        closeSync(descriptor);
      }
    } catch {
      return undefined;
    }
  };
}

/** The path `/proc/self/fd` gives for `file` opened, or undefined where there is none. */
function openedPath(file: string, flags: number): string | undefined {
  try {
    const descriptor = openSync(file, flags);
    try {
      return readlinkSync(`/proc/self/fd/${descriptor}`);
    } finally {
      closeSync(descriptor);
    }
  } catch {
    return undefined;
  }
}
