import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { TaskOwner } from '../spec/types.ts';

/**
 * This process as the owner of the tasks it runs. A pid alone would be wrong after the pid is reused
 * (a busy host recycles pids within hours), so the owner also carries the process's start time in clock
 * ticks after boot, from `/proc/<pid>/stat`, and the boot id: together they name one process for the
 * life of the host, without a lock file or heartbeat that a crash would leave behind.
 */
export function currentTaskOwner(): TaskOwner {
  return {
    host: hostname(),
    pid: process.pid,
    bootId: readBootId(),
    startTicks: readStartTicks(process.pid),
  };
}

/**
 * Whether the process that owned a task is certainly gone: same host, and either the host rebooted,
 * the pid is not alive, or the pid now belongs to a process that started at another time. A task owned
 * on another host is never judged gone from here (its process may well be running there).
 */
export function isOwnerGone(owner: TaskOwner, here: TaskOwner = currentTaskOwner()): boolean {
  if (owner.host !== here.host) return false;
  if (owner.bootId && here.bootId && owner.bootId !== here.bootId) return true;
  if (owner.pid === here.pid) return owner.startTicks !== here.startTicks;
  if (owner.startTicks !== null && here.startTicks !== null) {
    const now = readStartTicks(owner.pid);
    return now === null || now !== owner.startTicks;
  }
  // No /proc: only whether the pid is alive can be told.
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Field 22 of `/proc/<pid>/stat`; `null` when the process does not exist (or there is no /proc). */
function readStartTicks(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: read after the last.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  return fields[19] ?? null;
}
