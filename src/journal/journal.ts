import { SystemError, WardenError } from '../spec/errors.ts';
import type { EventFields, EventType, JournalEvent } from '../spec/journal-events.ts';
import type { NewTask, Store, TaskUpdate } from '../spec/store.ts';
import type { Task, TaskOwner } from '../spec/types.ts';
import { checkChain } from './check-chain.ts';
import type { Checkpoints } from './checkpoints.ts';
import { GENESIS_HASH, hashEvent } from './hash-event.ts';
import { checkTaskRow } from './internal/check-task-row.ts';
import type { JournalState } from './journal-state.ts';

/** Called after each event is durably stored (for live display, traces...). */
export type EventListener = (event: JournalEvent) => void;

/** The outcome of re-walking a task's chain against its row and the newest checkpoint that sealed it. */
export interface ChainVerification {
  ok: boolean;
  events: number;
  /** The first event whose hash or link does not hold, when `ok` is false (0: not an event's fault). */
  brokenAt?: number;
  problem?: string;
  /** Set when `ok`. */
  state?: JournalState;
  /** The checkpoint the chain was checked against; `undefined` when none sealed the task yet. */
  checkpoint?: number;
}

/** Event types that end a run of a task; sealing a checkpoint follows each. */
const RUN_ENDS: ReadonlySet<string> = new Set(['task-end', 'task-pause', 'task-interrupted']);

/**
 * The append-only, hash-chained record of every task. Each event carries `seq`, `type`, `at`, its own
 * fields, the previous event's hash and its own SHA-256 over canonical JSON. Appends to one task are
 * serialised in this process; the store refuses an out-of-order `seq` from another process.
 */
export class Journal {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #checkpoints: Checkpoints | undefined;
  readonly #fence: TaskOwner | undefined;
  readonly #listeners = new Set<EventListener>();
  readonly #tails = new Map<string, Promise<unknown>>();
  /** The last event this journal wrote per task, so an append needs no read. */
  readonly #heads = new Map<string, { seq: number; hash: string }>();
  /** A child's view (`forChild`): the journal it writes through, and the child it names. */
  #parent: { journal: Journal; child: string } | undefined;

  /**
   * `checkpoints`: seals a signed checkpoint after each event that ends a run (`task-end`, `task-pause`,
   * `task-interrupted`) and checks chains against them; without it neither happens. `fence` (a fleet
   * worker, this process): every append is refused with `lease-lost` unless the task row names it as
   * the task's owner, except one made `after` a head it read (a sweeper recording that a task's worker
   * is gone).
   */
  constructor(
    store: Store,
    options: { now?: () => Date; checkpoints?: Checkpoints; fence?: TaskOwner | undefined } = {},
  ) {
    this.#store = store;
    this.#now = options.now ?? (() => new Date());
    this.#checkpoints = options.checkpoints;
    this.#fence = options.fence;
  }

  /**
   * Records an event of `type` with that type's fields (`JournalEventFields` in `spec/`) and returns it
   * as stored. The journal fills in `taskId`, `seq`, `type`, `at`, `prevHash` and `hash`.
   */
  /**
   * The same journal as one child of a task sees it (a subtask, a swarm role: `subtask:ID`): every
   * event appended through it carries `child`, so one task's journal holds the events of children that
   * run at once and each stays attributable. Reads and everything else are the journal's own.
   */
  forChild(child: string): Journal {
    const view = new Journal(this.#store, { now: this.#now, checkpoints: this.#checkpoints });
    view.#parent = { journal: this.#parent?.journal ?? this, child };
    return view;
  }

  async append<T extends EventType>(
    taskId: string,
    type: T,
    fields: EventFields<T>,
  ): Promise<JournalEvent<T>> {
    return (await this.appendAndUpdate(taskId, type, fields)).event;
  }

  /**
   * Forgets the head this journal last wrote for `taskId`: the task was taken over from another process
   * (which wrote on since), so the next append reads the head from the store.
   */
  forgetHead(taskId: string): void {
    this.#heads.delete(taskId);
  }

  /**
   * Records an event and applies `update` to the task row in the same transaction (how a task's end is
   * written: the row's status, steps and cost can never disagree with the `task-end` event). After an
   * event that ends a run, seals a checkpoint. With `after`, the event goes right after that head or not
   * at all (`journal-corrupt`): a decision taken on a task as read (another process's task found gone)
   * is not recorded once someone else has written since.
   */
  appendAndUpdate<T extends EventType>(
    taskId: string,
    type: T,
    fields: EventFields<T>,
    update: TaskUpdate = {},
    after?: { seq: number; hash: string },
  ): Promise<{ event: JournalEvent<T>; task: Task }> {
    if (this.#parent) {
      const { journal, child } = this.#parent;
      return journal.appendAndUpdate(taskId, type, { ...fields, child }, update, after);
    }
    const previous = this.#tails.get(taskId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.#appendNow(taskId, type, fields, update, after));
    this.#tails.set(taskId, next);
    return next.then(async (written) => {
      if (RUN_ENDS.has(type)) await this.#checkpoints?.seal();
      return written;
    });
  }

  /** The child this view writes as (`forChild`); undefined for the task's own journal. */
  get child(): string | undefined {
    return this.#parent?.child;
  }

  /** Seals a checkpoint over every head that moved since the last one; see `Checkpoints.seal`. */
  async seal(): Promise<void> {
    await this.#checkpoints?.seal();
  }

  /** The task's events in order. */
  events(taskId: string): Promise<JournalEvent[]> {
    return this.#store.listEvents(taskId);
  }

  /** Subscribes to appended events; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    if (this.#parent) return this.#parent.journal.subscribe(listener);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Verifies a task's journal: seq without gaps, every link and hash, the row's head (seq and hash) at
   * the last event, a finished row matched by the terminal event that ends the chain (status, steps,
   * cost), and the chain passing through the head the newest checkpoint sealed for the task.
   */
  async verify(taskId: string): Promise<ChainVerification> {
    const events = await this.#store.listEvents(taskId);
    const task = await this.#store.getTask(taskId);
    const broken = (brokenAt: number, problem: string, checkpoint?: number): ChainVerification => ({
      ok: false,
      events: events.length,
      brokenAt,
      problem,
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
    const chain = checkChain(events);
    if (chain.problem) return broken(chain.brokenAt ?? 0, chain.problem);
    const sealed = await this.#checkpoints?.check(taskId, events);
    if (sealed) return broken(sealed.brokenAt, sealed.problem, sealed.checkpoint);
    const checkpoint = this.#checkpoints ? (await this.#store.latestCheckpointFor(taskId))?.seq : undefined;
    if (!task) return broken(0, `no task ${taskId} in the store`, checkpoint);
    const row = checkTaskRow(task, events);
    if ('problem' in row) return broken(row.brokenAt, row.problem, checkpoint);
    return { ok: true, events: events.length, state: row.state, ...(checkpoint ? { checkpoint } : {}) };
  }

  /**
   * Creates a task and records its first event (`task-start`) in one transaction, so that no process
   * killed in between leaves a task whose start is unknown (which nothing could resume).
   */
  async start(
    task: NewTask,
    fields: EventFields<'task-start'>,
  ): Promise<{ event: JournalEvent<'task-start'>; task: Task }> {
    const event = this.#build(task.id, 'task-start', fields, undefined);
    let created: Task;
    try {
      created = await this.#store.createTask(task, event);
    } catch (error) {
      if (error instanceof WardenError) throw error;
      throw new SystemError('store-failed', `cannot create task ${task.id}`, { cause: error });
    }
    this.#heads.set(task.id, { seq: event.seq, hash: event.hash });
    for (const listener of this.#listeners) listener(event);
    return { event, task: created };
  }

  /** An event as it will be stored: numbered after `last`, stamped, linked and hashed. */
  #build<T extends EventType>(
    taskId: string,
    type: T,
    fields: EventFields<T>,
    last: { seq: number; hash: string } | undefined,
  ): JournalEvent<T> & JournalEvent {
    const unsigned = {
      ...fields,
      taskId,
      seq: (last?.seq ?? 0) + 1,
      type,
      at: this.#now().toISOString(),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    // Store exactly what was hashed: a JSON round trip drops undefined fields and normalises values. The
    // fields were checked against the type's map by `append`'s signature; the round trip keeps them so.
    const stored = JSON.parse(JSON.stringify(unsigned)) as Record<string, unknown>;
    return { ...stored, hash: hashEvent(stored) } as JournalEvent<T> & JournalEvent;
  }

  async #appendNow<T extends EventType>(
    taskId: string,
    type: T,
    fields: EventFields<T>,
    update: TaskUpdate,
    after: { seq: number; hash: string } | undefined,
  ): Promise<{ event: JournalEvent<T>; task: Task }> {
    const last = after ?? this.#heads.get(taskId) ?? (await this.#store.lastEvent(taskId));
    const event = this.#build(taskId, type, fields, last);
    let task: Task;
    try {
      task = await this.#store.appendEvent(event, update, after === undefined ? this.#fence : undefined);
      this.#heads.set(taskId, { seq: event.seq, hash: event.hash });
    } catch (error) {
      // Another writer may have moved the chain on; read the head again next time.
      this.#heads.delete(taskId);
      if (error instanceof SystemError) throw error;
      throw new SystemError('store-failed', `cannot append to the journal of ${taskId}`, { cause: error });
    }
    for (const listener of this.#listeners) listener(event);
    return { event, task };
  }
}
