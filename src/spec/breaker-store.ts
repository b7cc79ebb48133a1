/** `closed` lets work through; `open` stops it; `half-open` lets one probe through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What tripped a breaker. */
export type BreakerKind = 'spend' | 'tool-errors' | 'provider' | 'loop';

/** One breaker as stored: a scope (`task:ID`, `agent:NAME`, `model:KEY`, `fleet`…) and a kind. */
export interface BreakerRecord {
  scope: string;
  kind: BreakerKind;
  state: BreakerState;
  /** Why it last changed state, for people. */
  reason: string;
  /** ISO time it last opened; `null` when it never has. */
  openedAt: string | null;
  /** ISO time an open breaker closes (or turns half-open) by itself; `null` when only a reset closes it. */
  closesAt: string | null;
  /** How many times it has opened. */
  trips: number;
  updatedAt: string;
  /**
   * ISO time the half-open probe claimed by some process lapses (that process died or never called);
   * `null` when no probe is claimed.
   */
  probeUntil: string | null;
}

/** What a breaker counts between trips. */
export interface BreakerCounter {
  /** Consecutive failed calls (provider breakers). */
  failures: number;
  /** Recent outcomes, oldest first: `1` failed, `0` succeeded (tool-error breakers). */
  outcomes: string;
}

/**
 * The reads and writes of one breaker decision, valid only inside the `BreakerStore.atomically` call that
 * handed it over: between its first read and its last write no other writer, in any process, changes a
 * breaker, a counter or a trip.
 */
export interface BreakerTransaction {
  /** Every breaker, open ones first. */
  list(): Promise<BreakerRecord[]>;
  /** The breakers of `scopes` that are not closed. */
  notClosed(scopes: readonly string[]): Promise<BreakerRecord[]>;
  /** Writes a breaker's state (insert or replace). */
  put(record: BreakerRecord): Promise<void>;
  /** The breaker of `scope` and `kind`; `undefined` when it was never written. */
  get(scope: string, kind: BreakerKind): Promise<BreakerRecord | undefined>;
  /** What the breaker of `scope` and `kind` has counted; zero when nothing. */
  counter(scope: string, kind: BreakerKind): Promise<BreakerCounter>;
  /** Writes what the breaker of `scope` and `kind` has counted. */
  putCounter(scope: string, kind: BreakerKind, counter: BreakerCounter, now: Date): Promise<void>;
  /**
   * Records that the breaker of `source` (`task:ID`, `agent:NAME`) opened, as a trip that the wider
   * breaker of `scope` counts; a source counts once, at its latest trip.
   */
  addTrip(scope: string, source: string, at: Date): Promise<void>;
  /** How many distinct sources tripped against `scope` at or after `since`. */
  countTrips(scope: string, since: Date): Promise<number>;
  /** Forgets the counters and trips of `scope`, or of every scope. */
  forget(scope?: string): Promise<void>;
}

/**
 * Where circuit breakers and their counters live, shared by every process that runs tasks (the embedded
 * implementation is `SqliteBreakerStore`, a fleet's `PgBreakerStore`). A breaker decision reads, decides
 * and writes inside one `atomically` call, with no other writer in between; the two reads here are for
 * callers that only look (and for the cheap "is anything open?" before taking the lock).
 */
export interface BreakerStore {
  /**
   * Runs `work` with no other writer between its reads and its writes, and keeps its writes only when it
   * resolves: a throw (or rejection) keeps nothing. `work` must do its reads and writes through `book`,
   * must await nothing else (no I/O, no timer) and must not call `atomically` again.
   *
   * @throws SystemError `store-failed` when the store cannot be locked or written (nothing is kept then);
   *   a `WardenError` thrown by `work` passes through unchanged.
   */
  atomically<T>(work: (book: BreakerTransaction) => Promise<T>): Promise<T>;
  /** Every breaker, open ones first. */
  list(): Promise<BreakerRecord[]>;
  /** The breakers of `scopes` that are not closed. */
  notClosed(scopes: readonly string[]): Promise<BreakerRecord[]>;
}
