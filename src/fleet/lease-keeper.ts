import type { Store } from '../spec/store.ts';

/** What the keeper needs of the store. */
export type LeaseBook = Pick<Store, 'renewLease' | 'getTask'>;

import type { TaskOwner } from '../spec/types.ts';

export interface LeaseKeeperSettings {
  store: LeaseBook;
  /** This worker process, as its tasks' rows name their owner. */
  owner: TaskOwner;
  /** How long a renewal holds a task; renewals come every third of it. */
  leaseMs: number;
  /**
   * Another worker took the task over (this one's lease passed without renewal: a stall, a partition
   * from the database). Whatever this worker still does for the task must stop.
   */
  onLost: (taskId: string) => void;
  /** A renewal that could not be written (the database unreachable); the next one tries again. */
  onError: (error: unknown) => void;
}

/**
 * Keeps a fleet worker's leases on the tasks it runs: every `leaseMs / 3` each held task's lease is moved
 * `leaseMs` ahead, so two renewals can fail before the lease passes. A task whose row names another
 * owner is reported lost.
 */
export class LeaseKeeper {
  readonly #settings: LeaseKeeperSettings;
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> = Promise.resolve();

  constructor(settings: LeaseKeeperSettings) {
    this.#settings = settings;
  }

  /** Starts renewing `taskId`'s lease (its row may not exist yet: it is created with a lease). */
  hold(taskId: string): void {
    this.#held.add(taskId);
    this.#timer ??= setInterval(
      () => {
        this.#renewing = this.#renewing.then(() => this.#renewAll());
      },
      Math.max(1, Math.floor(this.#settings.leaseMs / 3)),
    );
    this.#timer.unref();
  }

  /** Stops renewing `taskId`'s lease (the task ended, or was handed back). */
  release(taskId: string): void {
    this.#held.delete(taskId);
    if (this.#held.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stops every renewal and waits for one in flight. */
  async stop(): Promise<void> {
    for (const taskId of [...this.#held]) this.release(taskId);
    await this.#renewing;
  }

  async #renewAll(): Promise<void> {
    const { store, owner, leaseMs } = this.#settings;
    for (const taskId of [...this.#held]) {
      try {
        const until = new Date(Date.now() + leaseMs).toISOString();
        if (await store.renewLease(taskId, owner, until)) continue;
        const task = await store.getTask(taskId);
        // Not created yet, or let go by this worker (its result delivered): nothing was lost.
        if (task === undefined || !this.#held.has(taskId)) continue;
        if (JSON.stringify(task.owner) === JSON.stringify(owner)) continue;
        this.#held.delete(taskId);
        this.#settings.onLost(taskId);
      } catch (error) {
        this.#settings.onError(error);
      }
    }
  }
}
