import type { TaskRequest, TaskResult } from '../warden/index.ts';

/** A task the server accepted (a new one, or one to resume), and where it is. */
export interface QueuedTask {
  taskId: string;
  /** A new task's request; undefined for a resume. */
  request?: TaskRequest | undefined;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** Why it could not run (a bad repository, a bad model): set when `failed`. */
  error?: string | undefined;
}

/**
 * Runs accepted tasks at most `concurrency` at a time, in the order they came. A task's own failure (a
 * bad repository, a model that cannot be made) is kept on it, never thrown at the server. `drain` stops
 * taking new tasks and settles once the running ones have ended.
 */
/** What the queue runs: a new task, or the resume of one the store holds. */
export interface TaskRunners {
  run(request: TaskRequest & { taskId: string }): Promise<TaskResult>;
  resume(taskId: string): Promise<TaskResult>;
}

export class TaskQueue {
  readonly #runners: TaskRunners;
  readonly #concurrency: number;
  readonly #waiting: QueuedTask[] = [];
  readonly #known = new Map<string, QueuedTask>();
  #running = 0;
  #draining = false;
  #idle: (() => void) | undefined;

  constructor(runners: TaskRunners, concurrency: number) {
    this.#runners = runners;
    this.#concurrency = concurrency;
  }

  /** Whether new tasks are still taken. */
  get accepting(): boolean {
    return !this.#draining;
  }

  /** Tasks accepted and not yet ended, by id: what the store may not know yet. */
  find(taskId: string): QueuedTask | undefined {
    return this.#known.get(taskId);
  }

  /** Accepts a new task (its `taskId` set), or the resume of one (`request` undefined); false while draining. */
  add(taskId: string, request?: TaskRequest): boolean {
    if (this.#draining) return false;
    const queued: QueuedTask = { taskId, request, state: 'queued' };
    this.#known.set(queued.taskId, queued);
    this.#waiting.push(queued);
    this.#next();
    return true;
  }

  /** Stops taking tasks; settles once every running task has ended. Waiting ones are dropped. */
  async drain(): Promise<number> {
    this.#draining = true;
    const dropped = this.#waiting.splice(0);
    for (const task of dropped) this.#known.delete(task.taskId);
    if (this.#running > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    return dropped.length;
  }

  #next(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0 && !this.#draining) {
      const task = this.#waiting.shift()!;
      task.state = 'running';
      this.#running += 1;
      const { request } = task;
      (request ? this.#runners.run({ ...request, taskId: task.taskId }) : this.#runners.resume(task.taskId))
        .then(
          () => {
            task.state = 'done';
            // The store knows it from here on.
            this.#known.delete(task.taskId);
          },
          (error: unknown) => {
            task.state = 'failed';
            task.error = error instanceof Error ? error.message : String(error);
          },
        )
        .finally(() => {
          this.#running -= 1;
          if (this.#running === 0 && this.#draining) this.#idle?.();
          this.#next();
        });
    }
  }
}
