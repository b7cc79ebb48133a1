import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Journal } from '../journal/index.ts';
import { SystemError } from '../spec/errors.ts';
import type { Store } from '../spec/store.ts';
import type { TaskOwner } from '../spec/types.ts';
import { currentTaskOwner, isOwnerGone } from './task-owner.ts';

/** More running tasks than this on one store are reaped over several starts. */
const MOST_TASKS_PER_START = 1000;

const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export interface ReapSettings {
  store: Store;
  journal: Journal;
  /** Where task workspaces live (`<scratchDir>/<taskId>`). */
  scratchDir: string;
  /** How long an interrupted task's workspace is kept for `warden resume`. */
  keepMs: number;
  /** Releases the task's held spend reservations; returns how many. */
  releaseReservations: (taskId: string, now: Date) => Promise<number>;
  /** What the task has been charged, in USD, from the spend ledger's booked entries. */
  bookedUsd: (taskId: string) => Promise<number>;
  now?: Date;
  /** This process; default the real one. */
  here?: TaskOwner;
}

export interface ReapResult {
  /** Tasks found running with their process gone, now `interrupted`. */
  interrupted: string[];
  /** Interrupted tasks whose workspace was kept past `keepMs`, now removed. */
  removed: string[];
}

/**
 * Run at every start of Warden. A `running` task whose process is gone (same host; pid dead, or reused
 * by a process that started at another time) becomes `interrupted`: its held reservations are released,
 * its steps and cost are recomputed from the journal and the spend ledger, and a `task-interrupted`
 * event records it in the same transaction as the row. Its workspace is kept `keepMs` for a resume;
 * a later start removes workspaces kept longer. A task whose process lives elsewhere is left alone,
 * unless it is leased (a fleet worker's) and its lease has passed: then its worker is gone too.
 */
export async function reapInterruptedTasks(settings: ReapSettings): Promise<ReapResult> {
  const { store, journal } = settings;
  const now = settings.now ?? new Date();
  const here = settings.here ?? currentTaskOwner();
  const removed: string[] = [];
  // First the workspaces kept long enough, so a task interrupted by this very start keeps its own.
  // Tasks stopped by a limit keep theirs too, for a resume once the limit is raised.
  const kept = [
    ...(await store.listTasks({ status: 'interrupted', limit: MOST_TASKS_PER_START })),
    ...(await store.listTasks({ status: 'stopped', limit: MOST_TASKS_PER_START })),
  ];
  for (const task of kept) {
    if (task.resumableUntil === null || Date.parse(task.resumableUntil) > now.getTime()) continue;
    const dir = workspaceDir(settings.scratchDir, task.id);
    if (dir) {
      await rm(dir, { recursive: true, force: true });
      await removeChildDirs(settings.scratchDir, task.id);
    }
    await store.updateTask(task.id, { resumableUntil: null });
    removed.push(task.id);
  }
  const interrupted: string[] = [];
  for (const task of await store.listTasks({ status: 'running', limit: MOST_TASKS_PER_START })) {
    if (!task.owner || !isTaskAbandoned(task.owner, task.leaseUntil, here, now)) continue;
    const released = await settings.releaseReservations(task.id, now);
    const events = await journal.events(task.id);
    const steps = events.filter((event) => event.type === 'model-response').length;
    const costUsd = await settings.bookedUsd(task.id);
    const dir = workspaceDir(settings.scratchDir, task.id);
    const kept = dir !== undefined && existsSync(dir);
    const resumableUntil = kept ? new Date(now.getTime() + settings.keepMs).toISOString() : null;
    try {
      await journal.appendAndUpdate(
        task.id,
        'task-interrupted',
        {
          owner: task.owner,
          reapedBy: here,
          leaseUntil: task.leaseUntil ?? undefined,
          steps,
          costUsd,
          releasedReservations: released,
          workspaceKept: kept,
          resumableUntil,
        },
        { status: 'interrupted', steps, costUsd, resumableUntil },
        // Only after the head it was found gone at: a task another process reaped (or resumed) since is theirs.
        { seq: task.headSeq, hash: task.headHash },
      );
      interrupted.push(task.id);
    } catch (error) {
      // Another start reaped it first: its event is in the journal, which is all that matters.
      if (error instanceof SystemError && error.code === 'journal-corrupt') continue;
      throw error;
    }
  }
  return { interrupted, removed };
}

/**
 * Whether a running task's worker is gone: its process is certainly dead (same host), or it held a lease
 * (a fleet worker, on any host) that passed without renewal.
 */
function isTaskAbandoned(owner: TaskOwner, leaseUntil: string | null, here: TaskOwner, now: Date): boolean {
  if (isOwnerGone(owner, here)) return true;
  return leaseUntil !== null && Date.parse(leaseUntil) <= now.getTime();
}

/**
 * Removes the workspaces of the task's children (`<scratchDir>/<taskId>_<slot>`: an orchestrator's
 * subtasks, a swarm's roles, their combination), which a process killed mid-task leaves behind.
 */
async function removeChildDirs(scratchDir: string, taskId: string): Promise<void> {
  const names = await readdir(path.resolve(scratchDir)).catch(() => []);
  for (const name of names.filter((entry) => entry.startsWith(`${taskId}_`))) {
    await rm(path.join(path.resolve(scratchDir), name), { recursive: true, force: true });
  }
}

/** `<scratchDir>/<taskId>`, or `undefined` for an id that could name another directory. */
function workspaceDir(scratchDir: string, taskId: string): string | undefined {
  return TASK_ID_PATTERN.test(taskId) ? path.join(path.resolve(scratchDir), taskId) : undefined;
}
