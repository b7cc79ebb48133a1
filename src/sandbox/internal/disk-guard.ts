import { lstatSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { measureDiskUse } from './workspace-usage.ts';

/** How a command's disk use is watched while it runs; see {@link createDiskGuard}. */
export interface CommandDiskWatch {
  /**
   * Cheap (one `statfs`) unless the filesystem grew past the workspace's headroom: whether the command
   * has taken the workspace over its limit, or further over it than it was when the command started.
   */
  exceeded(): boolean;
}

/** Keeps one workspace within `limitBytes` without walking it after every command. */
export interface DiskGuard {
  /** Starts watching a command; call before it starts. May walk the workspace once (see below). */
  watch(): CommandDiskWatch;
  /** After a command (or any write): whether the workspace is over its limit. Exact when it may be. */
  overLimit(): boolean;
}

/**
 * The workspace's disk limit, enforced from the filesystem's free blocks. An exact walk (which skips
 * `.git`: it is read-only in the sandbox, so its size is measured once) gives a usage and the free
 * blocks at that moment; from then on the usage is bounded by that figure plus however much the
 * filesystem has grown since, which one `statfs` call says. Only when that bound passes the limit is
 * the workspace walked again, and the bound reset. On a large repository far from its limit a command
 * therefore costs one `statfs` before, one every {@link DISK_POLL_MS} while it runs and one after,
 * instead of a walk of every file.
 *
 * The bound is an upper bound as long as nothing else on the host frees space while the sandbox
 * writes (another process's writes only make Warden walk sooner). A file deleted while still open is
 * invisible to the walk, as before. Hard links are counted once per name (an over-count).
 */
export function createDiskGuard(workspaceDir: string, limitBytes: number): DiskGuard {
  const gitDir = path.join(workspaceDir, '.git');
  let gitBytes: number | undefined;
  let base: { usage: number; free: number } | undefined;
  /** Walking again while already over the limit waits for this much growth, so noise cannot spin it. */
  const step = Math.max(1024 ** 2, Math.floor(limitBytes / 64));

  const freeBytes = () => {
    const info = statfsSync(workspaceDir);
    return info.bfree * info.bsize;
  };
  const measure = (free: number) => {
    // `.git` is mounted read-only, so its size only changes through Warden itself: counted once.
    gitBytes ??= lstatSync(gitDir, { throwIfNoEntry: false })?.isDirectory() ? measureDiskUse(gitDir) : 0;
    const skip = gitBytes > 0 ? gitDir : undefined;
    const usage = gitBytes + measureDiskUse(workspaceDir, { stopAbove: limitBytes - gitBytes, skip });
    base = { usage, free };
    return usage;
  };
  const bound = (free: number) =>
    base ? base.usage + Math.max(0, base.free - free) : Number.POSITIVE_INFINITY;
  const current = () => {
    const free = freeBytes();
    const estimate = bound(free);
    return { free, usage: estimate > limitBytes ? measure(free) : estimate };
  };

  return {
    watch() {
      const start = current();
      const overAtStart = start.usage > limitBytes;
      // While over the limit already (the command may be there to free space) only growth counts.
      let lastWalkFree: number | undefined = overAtStart ? start.free : undefined;
      return {
        exceeded() {
          const free = freeBytes();
          if (bound(free) <= limitBytes) return false;
          if (lastWalkFree !== undefined && lastWalkFree - free < step) return false;
          lastWalkFree = free;
          const usage = measure(free);
          if (usage === Number.POSITIVE_INFINITY) return true;
          return usage > limitBytes && (!overAtStart || usage > start.usage);
        },
      };
    },
    overLimit() {
      return current().usage > limitBytes;
    },
  };
}

/** How often a running command's filesystem is asked how much it grew. */
export const DISK_POLL_MS = 20;
