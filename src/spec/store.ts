import type { EventType, JournalEvent } from './journal-events.ts';
import type { StopReason, Task, TaskOwner, TaskStatus } from './types.ts';

/** The fields a task is created with; the rest start empty. */
export type NewTask = Pick<
  Task,
  'id' | 'prompt' | 'repo' | 'baseCommit' | 'model' | 'requestedBy' | 'createdAt'
> & { owner?: TaskOwner | null; leaseUntil?: string | null };

/** What may change on a task after it was created. */
export interface TaskUpdate {
  status?: TaskStatus;
  stopReason?: StopReason | null;
  branch?: string | null;
  steps?: number;
  costUsd?: number;
  endedAt?: string | null;
  owner?: TaskOwner | null;
  resumableUntil?: string | null;
  leaseUntil?: string | null;
}

/** A signed seal over the journal heads of tasks; see `docs/architecture/journal.md`. */
export interface JournalCheckpoint {
  /** 1, 2, 3… without gaps. */
  seq: number;
  at: string;
  /** Task id to its journal head when the checkpoint was sealed. */
  heads: Record<string, { seq: number; hash: string }>;
  /** SHA-256 of the previous checkpoint's canonical body; 64 zeros for the first. */
  previousHash: string;
  /** SHA-256 (hex) of this checkpoint's canonical body (everything above). */
  hash: string;
  /** Base64 Ed25519 signature over the canonical body. */
  signature: string;
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
  /**
   * Creates a running task. With `first` (its `task-start`, seq 1), the event is written and the row's
   * head set to it in the same transaction: no process killed in between can leave a task without its
   * start, which nothing could resume.
   */
  createTask(task: NewTask, first?: JournalEvent): Promise<Task>;
  updateTask(id: string, update: TaskUpdate): Promise<Task>;
  /** `undefined` when no task has this id. */
  getTask(id: string): Promise<Task | undefined>;
  /** Tasks whose id starts with `prefix`, so users can type a short id. */
  findTasks(prefix: string): Promise<Task[]>;
  listTasks(filter?: TaskFilter): Promise<Task[]>;
  /** How many tasks there are in each status; a status no task is in is absent. */
  countTasks(): Promise<Partial<Record<TaskStatus, number>>>;
  /**
   * Appends one event and, in the same transaction, moves the task row's head (`headSeq`, `headHash`) to
   * it and applies `update` (the terminal state written with `task-end`), so the row and the chain never
   * disagree after a crash. Fails with `journal-corrupt` when `seq` is not the next number for the task
   * (another writer got there first), so the chain never forks. With `fence` (a fleet worker's own
   * appends), fails with `lease-lost` unless the task row still names that owner: a worker whose lease
   * passed and was taken over cannot write into the new owner's run. Returns the task as updated.
   */
  appendEvent(event: JournalEvent, update?: TaskUpdate, fence?: TaskOwner): Promise<Task>;
  /** The task's events in `seq` order. */
  listEvents(taskId: string): Promise<JournalEvent[]>;
  /** The events of one type of these tasks, by task id and then in journal order. */
  eventsOfType(type: EventType, taskIds: readonly string[]): Promise<JournalEvent[]>;
  /** The last event of the task, `undefined` when it has none. */
  lastEvent(taskId: string): Promise<JournalEvent | undefined>;
  /** Stores a sealed checkpoint; fails with `journal-corrupt` when its seq is not the next one. */
  appendCheckpoint(checkpoint: JournalCheckpoint): Promise<void>;
  /** The newest checkpoint, `undefined` before the first. */
  latestCheckpoint(): Promise<JournalCheckpoint | undefined>;
  /** The newest checkpoint whose signed body holds a head for `taskId`, `undefined` when none does. */
  latestCheckpointFor(taskId: string): Promise<JournalCheckpoint | undefined>;
  /** Tasks whose row head moved since the checkpoint that last sealed them (or that none sealed). */
  tasksChangedSinceCheckpoint(): Promise<Task[]>;
  /**
   * Moves the lease of a task held by `owner` (the same process, field for field) to `until`, or lets
   * it go (`null`: the task and its delivery are done). A lease outlives the task's end until its result
   * is delivered. False when the task is not leased by that owner (another worker took it over after
   * the lease passed, or it was let go): the caller must stop working on it.
   */
  renewLease(taskId: string, owner: TaskOwner, until: string | null): Promise<boolean>;
  /**
   * Takes over the lease of a task whose lease has passed at `now` (or an `interrupted` task, or one
   * awaiting approval, that has none), for `owner` until `until`; false when its lease has not passed,
   * or an ended task has none (its result was delivered): another worker holds it, or there is nothing
   * to take.
   */
  takeLease(taskId: string, owner: TaskOwner, now: string, until: string): Promise<boolean>;
  /** Tasks, of any status, whose lease passed at or before `now`: their worker is gone. Oldest lease first. */
  passedLeases(now: string, limit: number): Promise<Task[]>;
  /** The schema migrations applied to this database, oldest first, with when each ran. */
  schemaMigrations(): Promise<Array<{ version: number; appliedAt: string }>>;
  close(): Promise<void>;
}
