import type { JournalEvent, StopReason, Task, TaskStatus } from './types.ts';

/** The fields a task is created with; the rest start empty. */
export type NewTask = Pick<
  Task,
  'id' | 'prompt' | 'repo' | 'baseCommit' | 'model' | 'requestedBy' | 'createdAt'
>;

/** What may change on a task after it was created. */
export interface TaskUpdate {
  status?: TaskStatus;
  stopReason?: StopReason | null;
  branch?: string | null;
  steps?: number;
  costUsd?: number;
  endedAt?: string | null;
}

export interface TaskFilter {
  status?: TaskStatus;
  /** Newest first; at most this many. */
  limit?: number;
}

/**
 * Persistence for tasks and their journals. The embedded implementation is one SQLite file; a fleet
 * uses PostgreSQL behind the same interface. Every method is atomic: a crash leaves the store as it was
 * before the call or after it, never in between.
 */
export interface Store {
  createTask(task: NewTask): Promise<Task>;
  updateTask(id: string, update: TaskUpdate): Promise<Task>;
  /** `undefined` when no task has this id. */
  getTask(id: string): Promise<Task | undefined>;
  /** Tasks whose id starts with `prefix`, so users can type a short id. */
  findTasks(prefix: string): Promise<Task[]>;
  listTasks(filter?: TaskFilter): Promise<Task[]>;
  /**
   * Appends one event. Fails with `journal-corrupt` when `seq` is not the next number for the task
   * (another writer got there first), so the chain never forks.
   */
  appendEvent(event: JournalEvent): Promise<void>;
  /** The task's events in `seq` order. */
  listEvents(taskId: string): Promise<JournalEvent[]>;
  /** The last event of the task, `undefined` when it has none. */
  lastEvent(taskId: string): Promise<JournalEvent | undefined>;
  close(): Promise<void>;
}
