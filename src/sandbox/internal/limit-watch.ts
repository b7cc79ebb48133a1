import { DISK_POLL_MS } from './disk-guard.ts';

/** How often a running command's cgroup is asked whether the process limit was hit. */
const PROCESS_LIMIT_POLL_MS = 100;

/** Which limit, if any, ended a command. */
export interface LimitHits {
  timedOut: boolean;
  processLimitKilled: boolean;
  diskLimitKilled: boolean;
}

/** The watch over one running command. `hits` is filled in as limits are hit. */
export interface LimitWatch {
  readonly hits: LimitHits;
  stop(): void;
}

/**
 * Watches one running command from outside its sandbox and calls `kill` (which ends the whole sandbox)
 * when its wall time is up, when its cgroup refused a fork for the process limit (polled: cgroup v1 has
 * no notification that works, and a fork bomb must not keep the machine busy until the timeout), or when
 * `overDisk` says the workspace went past its disk limit (polled: the filesystem's free blocks are one
 * cheap system call, and a fast writer must be stopped near the limit, not after the command).
 */
export function watchLimits(
  kill: () => void,
  timeoutMs: number,
  cgroup: { processLimitHit(): Promise<boolean> } | null,
  overDisk: (() => boolean) | null,
): LimitWatch {
  const hits: LimitHits = { timedOut: false, processLimitKilled: false, diskLimitKilled: false };
  const timer = setTimeout(() => {
    hits.timedOut = true;
    kill();
  }, timeoutMs);
  const processPoll = cgroup
    ? setInterval(() => {
        cgroup.processLimitHit().then((hit) => {
          if (!hit) return;
          hits.processLimitKilled = true;
          kill();
        });
      }, PROCESS_LIMIT_POLL_MS)
    : null;
  const diskPoll = overDisk
    ? setInterval(() => {
        if (hits.diskLimitKilled || !overDisk()) return;
        hits.diskLimitKilled = true;
        kill();
      }, DISK_POLL_MS)
    : null;
  return {
    hits,
    stop() {
      clearTimeout(timer);
      if (processPoll) clearInterval(processPoll);
      if (diskPoll) clearInterval(diskPoll);
    },
  };
}
