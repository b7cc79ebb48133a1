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

/** What the queue runs: a new task, or the resume of one the store holds. */
export interface TaskRunners {
  run(request: TaskRequest & { taskId: string }): Promise<TaskResult | string>;
  resume(taskId: string): Promise<TaskResult | string>;
  /**
   * Asked once a run or resume has settled: whether the task goes on at once (it paused for approvals a
   * human had all decided before it finished pausing). Default: never.
   */
  goesOn?(taskId: string): Promise<boolean>;
}

/** Tasks handed to a fleet are remembered as queued (until the store has them) up to this many. */
const MOST_HANDED_OFF = 10_000;

/**
 * Runs accepted tasks at most `concurrency` at a time, in the order they came. A task's own failure (a
 * bad repository, a model that cannot be made) is kept on it, never thrown at the server. `drain` stops
 * taking new tasks and settles once the running ones have ended. With `handsOff` (a fleet: the runners
 * only queue the task for `warden worker`), a task handed over stays `queued` here until a worker puts
 * it in the store.
 */
export class TaskQueue {
  readonly #runners: TaskRunners;
  readonly #concurrency: number;
  readonly #waiting: QueuedTask[] = [];
  readonly #known = new Map<string, QueuedTask>();
  #running = 0;
  #draining = false;
  #idle: (() => void) | undefined;

  readonly #handsOff: boolean;

  constructor(runners: TaskRunners, concurrency: number, options: { handsOff?: boolean } = {}) {
    this.#runners = runners;
    this.#concurrency = concurrency;
    this.#handsOff = options.handsOff === true;
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
            if (this.#handsOff) {
              // A worker will put it in the store; until then it is queued, as far as anyone asking knows.
              task.state = 'queued';
              if (this.#known.size > MOST_HANDED_OFF) this.#known.delete(this.#known.keys().next().value!);
              return;
            }
            task.state = 'done';
            // The store knows it from here on.
            this.#known.delete(task.taskId);
          },
          (error: unknown) => {
            task.state = 'failed';
            task.error = error instanceof Error ? error.message : String(error);
          },
        )
        .then(() => (task.state === 'done' ? this.#runners.goesOn?.(task.taskId) : false))
        .catch(() => false)
        .then((goesOn) => {
          this.#running -= 1;
          if (goesOn === true) this.add(task.taskId);
          if (this.#running === 0 && this.#draining) this.#idle?.();
          this.#next();
        });
    }
  }
}
