import { SystemError } from '../spec/errors.ts';
import type { Store } from '../spec/store.ts';
import type { EventType, JournalEvent } from '../spec/types.ts';
import { GENESIS_HASH, hashEvent } from './hash-event.ts';

/** The fields of an event besides the ones the journal fills in. */
export type EventFields = Record<string, unknown>;

/** Called after each event is durably stored (for live display, traces...). */
export type EventListener = (event: JournalEvent) => void;

/** The outcome of re-walking a task's chain. */
export interface ChainVerification {
  ok: boolean;
  events: number;
  /** The first event whose hash or link does not hold, when `ok` is false. */
  brokenAt?: number;
  problem?: string;
}

/**
 * The append-only, hash-chained record of every task. Each event carries `seq`, `type`, `at`, its own
 * fields, the previous event's hash and its own SHA-256 over canonical JSON. Appends to one task are
 * serialised in this process; the store refuses an out-of-order `seq` from another process.
 */
export class Journal {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #listeners = new Set<EventListener>();
  readonly #tails = new Map<string, Promise<unknown>>();
  /** The last event this journal wrote per task, so an append needs no read. */
  readonly #heads = new Map<string, { seq: number; hash: string }>();

  constructor(store: Store, options: { now?: () => Date } = {}) {
    this.#store = store;
    this.#now = options.now ?? (() => new Date());
  }

  /** Records an event and returns it as stored. Field names `taskId`, `seq`, `type`, `at` are reserved. */
  append(taskId: string, type: EventType, fields: EventFields = {}): Promise<JournalEvent> {
    const previous = this.#tails.get(taskId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#appendNow(taskId, type, fields));
    this.#tails.set(taskId, next);
    return next;
  }

  /** The task's events in order. */
  events(taskId: string): Promise<JournalEvent[]> {
    return this.#store.listEvents(taskId);
  }

  /** Subscribes to appended events; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Recomputes every hash and link of the task's chain. */
  async verify(taskId: string): Promise<ChainVerification> {
    const events = await this.#store.listEvents(taskId);
    let previousHash = GENESIS_HASH;
    for (const [index, event] of events.entries()) {
      if (event.seq !== index + 1) {
        return {
          ok: false,
          events: events.length,
          brokenAt: event.seq,
          problem: `expected seq ${index + 1}`,
        };
      }
      if (event.prevHash !== previousHash) {
        return {
          ok: false,
          events: events.length,
          brokenAt: event.seq,
          problem: 'link to the previous event broken',
        };
      }
      if (hashEvent(event) !== event.hash) {
        return {
          ok: false,
          events: events.length,
          brokenAt: event.seq,
          problem: 'content does not match its hash',
        };
      }
      previousHash = event.hash;
    }
    return { ok: true, events: events.length };
  }

  async #appendNow(taskId: string, type: EventType, fields: EventFields): Promise<JournalEvent> {
    const last = this.#heads.get(taskId) ?? (await this.#store.lastEvent(taskId));
    const unsigned = {
      ...fields,
      taskId,
      seq: (last?.seq ?? 0) + 1,
      type,
      at: this.#now().toISOString(),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    // Store exactly what was hashed: a JSON round trip drops undefined fields and normalises values.
    const stored = JSON.parse(JSON.stringify(unsigned)) as Omit<JournalEvent, 'hash'>;
    const event = { ...stored, hash: hashEvent(stored) } as JournalEvent;
    try {
      await this.#store.appendEvent(event);
      this.#heads.set(taskId, { seq: event.seq, hash: event.hash });
    } catch (error) {
      // Another writer may have moved the chain on; read the head again next time.
      this.#heads.delete(taskId);
      if (error instanceof SystemError) throw error;
      throw new SystemError('store-failed', `cannot append to the journal of ${taskId}`, { cause: error });
    }
    for (const listener of this.#listeners) listener(event);
    return event;
  }
}
