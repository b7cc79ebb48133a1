import { lstatSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { measureDiskUse } from './workspace-usage.ts';

/** How a command's disk use is watched while it runs; see {@link createDiskGuard}. */
export interface CommandDiskWatch {
  /**
   * Cheap (one `statfs`) unless the filesystem grew past the workspace's headroom or the last walk is
   * {@link DISK_WALK_EVERY_MS} old: whether the command has taken the workspace over its limit, or
   * further over it than it was when the command started.
   */
  exceeded(): boolean;
}

/** Keeps one workspace within `limitBytes` without walking it on every poll. */
export interface DiskGuard {
  /** Starts watching a command; call before it starts. Walks the workspace unless nothing wrote since the last walk. */
  watch(): CommandDiskWatch;
  /** After a command: whether the workspace is over its limit, from a walk of the workspace (exact). */
  overLimit(): boolean;
  /** Says the host wrote into the workspace (the file tools): the next command starts from a new walk. */
  touched(): void;
}

/**
 * The workspace's disk limit. The answer after a command is always an exact walk (which skips `.git`:
 * it is read-only in the sandbox, so its size is measured once). While a command runs, the filesystem's
 * free blocks give a cheap early warning: the usage is at most the last walk's figure plus however
 * much the filesystem has shrunk since, which one `statfs` call says every {@link DISK_POLL_MS}; when
 * that passes the limit the workspace is walked at once. The warning can be fooled — another process
 * freeing space on the same filesystem hides the command's growth from it — so a running command's
 * workspace is also walked every {@link DISK_WALK_EVERY_MS} whatever `statfs` says, and the walk after
 * the command never trusts it. Another process's writes only make Warden walk sooner.
 *
 * A file deleted while still open is invisible to the walk. Hard links are counted once per name (an
 * over-count).
 */
export function createDiskGuard(workspaceDir: string, limitBytes: number): DiskGuard {
  const gitDir = path.join(workspaceDir, '.git');
  let gitBytes: number | undefined;
  let base: { usage: number; free: number; at: number } | undefined;
  /** Whether the last walk still describes the workspace: no command ran and the host wrote nothing since. */
  let settled = false;
  /** Walking again while already over the limit waits for this much growth, so noise cannot spin it. */
  const step = Math.max(1024 ** 2, Math.floor(limitBytes / 64));

  const freeBytes = () => {
    const info = statfsSync(workspaceDir);
    return info.bfree * info.bsize;
  };
  const measure = (free = freeBytes()) => {
    // `.git` is mounted read-only, so its size only changes through Warden itself: counted once.
    gitBytes ??= lstatSync(gitDir, { throwIfNoEntry: false })?.isDirectory() ? measureDiskUse(gitDir) : 0;
    const skip = gitBytes > 0 ? gitDir : undefined;
    const usage = gitBytes + measureDiskUse(workspaceDir, { stopAbove: limitBytes - gitBytes, skip });
    base = { usage, free, at: performance.now() };
    return usage;
  };
  const bound = (free: number) =>
    base ? base.usage + Math.max(0, base.free - free) : Number.POSITIVE_INFINITY;

  return {
    watch() {
      const startUsage = settled && base ? base.usage : measure();
      settled = false;
      const overAtStart = startUsage > limitBytes;
      // While over the limit already (the command may be there to free space) only growth counts.
      let lastWalkFree: number | undefined = overAtStart ? base?.free : undefined;
      return {
        exceeded() {
          const free = freeBytes();
          const due = base === undefined || performance.now() - base.at >= DISK_WALK_EVERY_MS;
          if (!due && bound(free) <= limitBytes) return false;
          if (!due && lastWalkFree !== undefined && lastWalkFree - free < step) return false;
          lastWalkFree = free;
          const usage = measure(free);
          if (usage === Number.POSITIVE_INFINITY) return true;
          return usage > limitBytes && (!overAtStart || usage > startUsage);
        },
      };
    },
    overLimit() {
      const over = measure() > limitBytes;
      settled = true;
      return over;
    },
    touched() {
      settled = false;
    },
  };
}

/** How often a running command's filesystem is asked how much it grew. */
export const DISK_POLL_MS = 20;

/** How often a running command's workspace is walked, whatever the filesystem's free blocks say. */
export const DISK_WALK_EVERY_MS = 1_000;
