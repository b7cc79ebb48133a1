import type { ActionStore, PullRequestStore } from '../spec/actions.ts';
import type { ApprovalStore } from '../spec/approvals.ts';
import type { BatchBook } from '../spec/batches.ts';
import type { DeliveryStore } from '../spec/delivery-store.ts';
import { SystemError } from '../spec/errors.ts';
import type { OutcomeStore } from '../spec/outcome-store.ts';
import type { PullOutcomeStore } from '../spec/pull-outcome-store.ts';
import type { Store } from '../spec/store.ts';

/** A clock a store reads; the suites move it by hand. */
export type Clock = () => Date;

/**
 * The stores of one engine on one database, as the conformance suites of approvals, actions, outcomes,
 * deliveries, pull outcomes and batches use them. A factory makes another store on the same connection.
 */
export interface EngineStores {
  /** The tasks, which the delivery and pull-outcome reports join. */
  store: Store;
  approvals(settings?: { ttlMs?: number; now?: Clock }): ApprovalStore;
  actions(settings?: { now?: Clock }): ActionStore & PullRequestStore;
  batches(settings?: { now?: Clock }): BatchBook;
  outcomes(): OutcomeStore;
  deliveries(settings?: { now?: Clock }): DeliveryStore;
  pullOutcomes(): PullOutcomeStore;
}

/** A fresh, empty database for one test, its stores, and a second way into it. */
export interface EngineStoresUnderTest extends EngineStores {
  /**
   * The same database opened again as another process would: its own connection (a second SQLite
   * connection to the file; a second PostgreSQL pool).
   */
  openAgain(): Promise<EngineStores>;
  /** Closes every connection it opened and removes what the test made. */
  cleanup(): Promise<void>;
}

/** How a suite over `EngineStores` is run: on which engine, or why not. */
export interface EngineSuiteOptions {
  /** Makes an empty database for one test; called once per test. */
  open: () => Promise<EngineStoresUnderTest>;
  /** Suite title. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no server reachable). */
  skipReason?: string;
  /** Per-test timeout in ms. Default: 30 000. */
  timeoutMs?: number;
}

/** A clock at `start` that the test moves: `clock.now` is what a store reads. */
export function manualClock(start = '2026-01-01T00:00:00.000Z'): {
  now: Clock;
  advance: (ms: number) => void;
} {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    advance: (ms) => {
      time += ms;
    },
  };
}

/**
 * Registers `title`'s tests under Vitest with a fresh `EngineStoresUnderTest` per test (cleaned up after
 * it), or one skipped test that says why. The body gets a getter for the current test's stores.
 */
export async function describeEngine(
  options: EngineSuiteOptions,
  title: string,
  body: (stores: () => EngineStoresUnderTest, timeout: number) => void,
): Promise<void> {
  const { afterEach, beforeEach, describe, it } = await import('vitest');
  const name = options.name ?? title;
  if (options.skipReason) {
    console.warn(`${name}: skipped: ${options.skipReason}`);
    describe.skip(`${name} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  const timeout = options.timeoutMs ?? 30_000;
  describe(name, () => {
    let current: EngineStoresUnderTest | undefined;
    beforeEach(async () => {
      current = await options.open();
    }, timeout);
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    }, timeout);
    body(() => {
      if (!current) throw new SystemError('store-failed', 'no stores: the suite opens them before each test');
      return current;
    }, timeout);
  });
}
