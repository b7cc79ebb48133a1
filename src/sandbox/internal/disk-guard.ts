import { lstatSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { measureDiskUse } from './workspace-usage.ts';

/** How a command's disk use is watched while it runs; see {@link createDiskGuard}. */
export interface CommandDiskWatch {
  /**
   * Cheap (one `statfs`) unless the workspace must be walked (see {@link createDiskGuard}): whether the
   * command has taken the workspace over its limit, or further over it than it was when it started.
   */
  exceeded(): boolean;
}

/** Keeps one workspace within `limitBytes` without walking it on every poll. */
export interface DiskGuard {
  /** Starts watching a command; call before it starts. */
  watch(): CommandDiskWatch;
  /** After a command: whether the workspace is over its limit. */
  overLimit(): boolean;
  /** Says the host wrote into the workspace (the file tools): the next check walks it. */
  touched(): void;
}

/**
 * The workspace's disk limit. A walk of the workspace (one synchronous pass, `lstat` per entry; `.git`
 * is read-only in the sandbox, so it is measured once) gives its usage and the filesystem's free blocks
 * at that moment. From then on the usage is at most that figure plus however much the filesystem has
 * shrunk since, which one `statfs` says: checked before a command, every {@link DISK_POLL_MS} while it
 * runs, and after it. The workspace is walked again — and a command that took it over its limit (or
 * further over than it started) killed — when that bound passes the limit, when the last walk is
 * {@link DISK_WALK_EVERY_MS} old, when the file tools wrote, or when the filesystem was seen to have
 * grown free space since the last walk.
 *
 * The bound fails only when another process frees space while the sandbox writes. A net gain of free
 * space seen at any check makes Warden walk at once; frees hidden under the sandbox's own writes
 * between two checks are caught by the walk that is at most {@link DISK_WALK_EVERY_MS} away, so the
 * workspace can pass its limit by at most what other processes free in that time, and only until then.
 * A file deleted while still open is invisible to the walk. Hard links are counted once per name.
 */
export function createDiskGuard(workspaceDir: string, limitBytes: number): DiskGuard {
  const gitDir = path.join(workspaceDir, '.git');
  let gitBytes: number | undefined;
  let base: { usage: number; free: number; at: number } | undefined;
  /** Whether the bound may be wrong: free space grew since the last walk, or the host wrote. */
  let suspect = true;
  /** Walking again while already over the limit waits for this much growth, so noise cannot spin it. */
  const step = Math.max(1024 ** 2, Math.floor(limitBytes / 64));

  const freeBytes = () => {
    const info = statfsSync(workspaceDir);
    const free = info.bfree * info.bsize;
    if (base && free > base.free) suspect = true;
    return free;
  };
  const measure = (free: number) => {
    // `.git` is mounted read-only, so its size only changes through Warden itself: counted once.
    gitBytes ??= lstatSync(gitDir, { throwIfNoEntry: false })?.isDirectory() ? measureDiskUse(gitDir) : 0;
    const skip = gitBytes > 0 ? gitDir : undefined;
    const usage = gitBytes + measureDiskUse(workspaceDir, { stopAbove: limitBytes - gitBytes, skip });
    base = { usage, free, at: performance.now() };
    suspect = false;
    return usage;
  };
  const bound = (free: number) =>
    base ? base.usage + Math.max(0, base.free - free) : Number.POSITIVE_INFINITY;
  /** Whether `bound` cannot answer for the workspace now. */
  const mustWalk = (free: number) =>
    suspect ||
    base === undefined ||
    performance.now() - base.at >= DISK_WALK_EVERY_MS ||
    bound(free) > limitBytes;
  const usageNow = () => {
    const free = freeBytes();
    return { free, usage: mustWalk(free) ? measure(free) : bound(free) };
  };

  return {
    watch() {
      const start = usageNow();
      const overAtStart = start.usage > limitBytes;
      // While over the limit already (the command may be there to free space) only growth counts.
      let lastWalkFree: number | undefined = overAtStart ? start.free : undefined;
      return {
        exceeded() {
          const free = freeBytes();
          const sinceWalk = base === undefined ? Number.POSITIVE_INFINITY : performance.now() - base.at;
          // Staleness walks are spaced out, so a host whose free space keeps moving cannot make every
          // poll a walk; the check after the command walks at once.
          const due = sinceWalk >= DISK_WALK_EVERY_MS || (suspect && sinceWalk >= SUSPECT_WALK_GAP_MS);
          if (!due && bound(free) <= limitBytes) return false;
          if (!due && lastWalkFree !== undefined && lastWalkFree - free < step) return false;
          lastWalkFree = free;
          const usage = measure(free);
          if (usage === Number.POSITIVE_INFINITY) return true;
          return usage > limitBytes && (!overAtStart || usage > start.usage);
        },
      };
    },
    overLimit() {
      return usageNow().usage > limitBytes;
    },
    touched() {
      suspect = true;
    },
  };
}

/** How often a running command's filesystem is asked how much it grew. */
export const DISK_POLL_MS = 20;

/** The longest the workspace goes unwalked while commands run, whatever the filesystem's free blocks say. */
export const DISK_WALK_EVERY_MS = 1_000;

/** While a command runs, the least time between walks made because free space grew (see `suspect`). */
const SUSPECT_WALK_GAP_MS = 100;
