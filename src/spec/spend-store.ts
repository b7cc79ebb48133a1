/** One spend window a reservation draws on, with its limits (`null`: no limit). */
export interface SpendWindow {
  /** `task:ID`, `agent:NAME`, `team:NAME` or `fleet`. */
  scope: string;
  /** `all` for a task; the UTC day (`YYYY-MM-DD`) for a daily scope. */
  window: string;
  limitUsd: number | null;
  limitTokens: number | null;
}

/** A worst case held against every window of a request until it is settled. */
export interface SpendReservation {
  readonly id: string;
  readonly windows: readonly { scope: string; window: string }[];
  readonly nanos: number;
  readonly tokens: number;
}

/**
 * What `reserve` answers. On refusal, the first window that would have crossed its limit, or whose stored
 * totals cannot be read (`unreadable`: out of range or corrupt; it refuses while a limit applies to it).
 */
export type SpendReserveOutcome =
  | { ok: true; reservation: SpendReservation }
  | {
      ok: false;
      scope: string;
      window: string;
      limit: 'usd' | 'tokens' | 'unreadable';
      /** Spent plus held in the window, in USD or tokens (the unit of `limit`). */
      committed: number;
      limitValue: number;
    };

/** A priced model call, booked when its reservation is settled. */
export interface SpendEntry {
  taskId: string | null;
  agent: string | null;
  team: string | null;
  stage: string | null;
  priceKey: string;
  priceTableVersion: string;
  tier: string | null;
  batch: boolean;
  usd: number;
  tokens: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  /** What the same usage would have cost on the top-tier model; `null` when unknown. */
  topTierUsd: number | null;
}

/** A booked entry as read back. */
export interface SpendEntryRow extends SpendEntry {
  day: string;
  at: string;
}

/** A stored entry that could not be read back (out of range or corrupt), left out of what was read. */
export interface UnreadableSpendEntry {
  id: number;
  taskId: string | null;
  day: string;
  reason: string;
}

/** Spent and held in one window, in USD and tokens. */
export interface SpendTotals {
  spentUsd: number;
  spentTokens: number;
  heldUsd: number;
  heldTokens: number;
}

/**
 * Where spend is reserved and booked, shared by every process that runs tasks (the embedded one:
 * `SqliteSpendStore`; a fleet's: `PgSpendStore`). `reserve` checks and holds every window at once, so
 * concurrent tasks — in one process or many — can never together pass a limit; `settle` releases the
 * hold and books the real cost.
 */
export interface SpendStore {
  /**
   * Holds `usd` and `tokens` in every window, or refuses when any window's spent plus held plus this
   * request would pass its limit. Reservations older than `ttlMs` are released first. A window with a
   * limit whose stored totals cannot be read refuses (fails closed).
   *
   * @throws SystemError `spend-out-of-range` when the amounts are out of range, `store-failed` when the
   *   store cannot be written.
   */
  reserve(request: {
    windows: readonly SpendWindow[];
    usd: number;
    tokens: number;
    now: Date;
    ttlMs: number;
  }): Promise<SpendReserveOutcome>;
  /**
   * Releases the reservation and books what the call really cost in every one of its windows, with the
   * call's entry (none for a call that was never made). Settling twice books once. A settled
   * reservation is compacted away: the store keeps no record per call beyond the call's entry, and the
   * booking and the compaction happen at once (a crash between them is not possible).
   *
   * @throws SystemError `spend-out-of-range`, `store-failed`.
   */
  settle(
    reservation: SpendReservation,
    actual: { usd: number; tokens: number },
    entry?: SpendEntry,
    now?: Date,
  ): Promise<void>;
  /** Zeros for a window never used; `undefined` when the stored totals cannot be read. */
  totals(scope: string, window: string): Promise<SpendTotals | undefined>;
  /**
   * Entries booked at or after `sinceAt` (ISO time) and of `taskId`, oldest first; a filter left
   * undefined matches all. An entry that cannot be read back is left out and passed to `onUnreadable`.
   */
  entries(
    filter?: { sinceAt?: string; taskId?: string },
    onUnreadable?: (entry: UnreadableSpendEntry) => void,
  ): Promise<SpendEntryRow[]>;
  /**
   * Releases every reservation a task made before `now` and still holds (its process died mid-call);
   * returns how many. One made since belongs to whoever took the task over, and is kept.
   *
   * @throws SystemError `store-failed`.
   */
  releaseTaskReservations(taskId: string, now: Date): Promise<number>;
}

/** Nano-dollars per dollar: money is stored and summed as integers so a limit holds to the cent and beyond. */
export const NANOS_PER_USD = 1_000_000_000;

/** The UTC day of `time`, `YYYY-MM-DD`: the window of every daily scope. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}
