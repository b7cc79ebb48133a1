import type { TaskRequest, TaskResult } from '../warden/index.ts';

/** A task the server accepted, and where it is: waiting for a runner, running, or done. */
export interface QueuedTask {
  taskId: string;
  request: TaskRequest;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** Why it could not run (a bad repository, a bad model): set when `failed`. */
  error?: string | undefined;
}

/**
 * Runs accepted tasks at most `concurrency` at a time, in the order they came. A task's own failure (a
 * bad repository, a model that cannot be made) is kept on it, never thrown at the server. `drain` stops
 * taking new tasks and settles once the running ones have ended.
 */
export class TaskQueue {
  readonly #run: (request: TaskRequest) => Promise<TaskResult>;
  readonly #concurrency: number;
  readonly #waiting: QueuedTask[] = [];
  readonly #known = new Map<string, QueuedTask>();
  #running = 0;
  #draining = false;
  #idle: (() => void) | undefined;

  constructor(run: (request: TaskRequest) => Promise<TaskResult>, concurrency: number) {
    this.#run = run;
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

  /** Accepts a task (its `taskId` set); false while draining. */
  add(request: TaskRequest & { taskId: string }): boolean {
    if (this.#draining) return false;
    const queued: QueuedTask = { taskId: request.taskId, request, state: 'queued' };
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
      this.#run(task.request)
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
