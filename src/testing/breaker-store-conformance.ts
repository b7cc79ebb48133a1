import { CircuitBreakers } from '../guard/circuit-breakers.ts';
import type { BreakerRecord, BreakerStore } from '../spec/breaker-store.ts';
import { UserError } from '../spec/errors.ts';

/** A fresh, empty breaker store made for one test. */
export interface BreakerStoreUnderTest {
  book: BreakerStore;
  /** A second store on the same data, as another process would open it. */
  openAgain: () => Promise<BreakerStore>;
  /** Closes every store opened for the test and removes what it made. */
  close: () => Promise<void>;
}

export interface BreakerStoreConformanceOptions {
  /** Makes an empty store for one test; called once per test. */
  open: () => Promise<BreakerStoreUnderTest>;
  /** Suite title. Default: `breaker store conformance`. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no server reachable). */
  skipReason?: string | undefined;
  /** Per-test timeout in ms. Default: 30 000. */
  timeoutMs?: number;
}

const SETTINGS = {
  toolErrorWindow: 20,
  toolErrorRate: 0.5,
  agentTaskTrips: 3,
  fleetAgentTrips: 3,
  tripWindowSeconds: 3600,
  providerFailures: 3,
  providerOpenSeconds: 60,
  probeTimeoutSeconds: 120,
  openSeconds: 600,
};

const breaker = (scope: string, state: BreakerRecord['state'], updatedAt: string): BreakerRecord => ({
  scope,
  kind: 'loop',
  state,
  reason: `${state} for a test`,
  openedAt: state === 'closed' ? null : updatedAt,
  closesAt: null,
  trips: 1,
  updatedAt,
  probeUntil: null,
});

/**
 * Registers the Vitest suite every `BreakerStore` must pass: breakers written and read back, listed open
 * ones first and newest first, the not-closed ones of some scopes found; counters and trips counted,
 * a source's trip counted once at its latest, and forgotten per scope or all at once; `atomically`
 * keeping nothing of a transaction that throws, and never letting two of them interleave, in one store
 * or across two; and the circuit breakers on top counting one provider's failures across two stores
 * (processes) and handing exactly one of them the half-open probe. Await it at the top level of a test
 * file; it imports Vitest lazily.
 */
export async function runBreakerStoreConformance(options: BreakerStoreConformanceOptions): Promise<void> {
  const { afterEach, beforeEach, describe, expect, it } = await import('vitest');
  const title = options.name ?? 'breaker store conformance';
  if (options.skipReason) {
    console.warn(`${title}: skipped: ${options.skipReason}`);
    describe.skip(`${title} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  const timeout = options.timeoutMs ?? 30_000;

  describe(title, () => {
    let underTest: BreakerStoreUnderTest;
    let book: BreakerStore;

    beforeEach(async () => {
      underTest = await options.open();
      book = underTest.book;
    }, timeout);
    afterEach(async () => {
      await underTest?.close();
    }, timeout);

    it('writes breakers, lists open ones first and newest first, and finds the not-closed of some scopes', {
      timeout,
    }, async () => {
      await book.atomically(async (tx) => {
        await tx.put(breaker('task:old', 'open', '2026-11-02T09:00:00.000Z'));
        await tx.put(breaker('agent:fixer', 'closed', '2026-11-02T11:00:00.000Z'));
        await tx.put(breaker('model:x', 'half-open', '2026-11-02T10:00:00.000Z'));
        await tx.put({ ...breaker('task:old', 'open', '2026-11-02T09:30:00.000Z'), trips: 2 });
      });
      expect((await book.list()).map((record) => record.scope)).toEqual([
        'model:x',
        'task:old',
        'agent:fixer',
      ]);
      expect(await book.atomically(async (tx) => tx.get('task:old', 'loop'))).toEqual({
        ...breaker('task:old', 'open', '2026-11-02T09:30:00.000Z'),
        trips: 2,
      });
      expect(await book.atomically(async (tx) => tx.get('task:old', 'spend'))).toBeUndefined();
      const notClosed = await book.notClosed(['task:old', 'agent:fixer', 'fleet']);
      expect(notClosed.map((record) => record.scope)).toEqual(['task:old']);
      expect(await book.notClosed([])).toEqual([]);
      expect((await book.atomically((tx) => tx.notClosed(['model:x'])))[0]).toMatchObject({
        state: 'half-open',
      });
    });

    it('counts, counts trips once per source at its latest, and forgets one scope or all', {
      timeout,
    }, async () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 10, minute));
      await book.atomically(async (tx) => {
        expect(await tx.counter('task:t1', 'tool-errors')).toEqual({ failures: 0, outcomes: '' });
        await tx.putCounter('task:t1', 'tool-errors', { failures: 2, outcomes: '0110' }, at(0));
        await tx.putCounter('model:x', 'provider', { failures: 4, outcomes: '' }, at(0));
        await tx.addTrip('agent:fixer', 'task:a', at(0));
        await tx.addTrip('agent:fixer', 'task:b', at(5));
        await tx.addTrip('agent:fixer', 'task:a', at(10));
        await tx.addTrip('fleet', 'agent:fixer', at(10));
      });
      await book.atomically(async (tx) => {
        expect(await tx.counter('task:t1', 'tool-errors')).toEqual({ failures: 2, outcomes: '0110' });
        expect(await tx.countTrips('agent:fixer', at(0))).toBe(2);
        expect(await tx.countTrips('agent:fixer', at(6))).toBe(1);
        await tx.forget('agent:fixer');
        expect(await tx.countTrips('agent:fixer', at(0))).toBe(0);
        expect(await tx.countTrips('fleet', at(0))).toBe(1);
        expect(await tx.counter('model:x', 'provider')).toEqual({ failures: 4, outcomes: '' });
        await tx.forget();
        expect(await tx.countTrips('fleet', at(0))).toBe(0);
        expect(await tx.counter('model:x', 'provider')).toEqual({ failures: 0, outcomes: '' });
      });
    });

    it('keeps nothing of a decision that throws, and passes a Warden error through', {
      timeout,
    }, async () => {
      const failing = book.atomically(async (tx) => {
        await tx.put(breaker('task:t1', 'open', '2026-11-02T10:00:00.000Z'));
        await tx.putCounter('task:t1', 'loop', { failures: 1, outcomes: '1' }, new Date());
        throw new UserError('usage', 'changed my mind');
      });
      await expect(failing).rejects.toMatchObject({ code: 'usage', message: 'changed my mind' });
      expect(await book.list()).toEqual([]);
      await expect(
        book.atomically(async () => {
          throw new Error('boom');
        }),
      ).rejects.toMatchObject({ code: 'store-failed' });
      expect(await book.atomically((tx) => tx.counter('task:t1', 'loop'))).toEqual({
        failures: 0,
        outcomes: '',
      });
    });

    it('never lets two decisions interleave, in one store or across two', { timeout }, async () => {
      const other = await underTest.openAgain();
      const increment = (store: BreakerStore) =>
        store.atomically(async (tx) => {
          const { failures } = await tx.counter('model:x', 'provider');
          await tx.putCounter('model:x', 'provider', { failures: failures + 1, outcomes: '' }, new Date());
        });
      await Promise.all(Array.from({ length: 30 }, (_, index) => increment(index % 3 === 0 ? other : book)));
      expect(await other.atomically((tx) => tx.counter('model:x', 'provider'))).toEqual({
        failures: 30,
        outcomes: '',
      });
    });

    it('lets the breakers count provider failures across processes, share one probe, and free a probe whose process died', {
      timeout,
    }, async () => {
      let now = new Date('2026-11-02T10:00:00Z');
      const breakersOn = (store: BreakerStore) =>
        new CircuitBreakers({ book: store, settings: SETTINGS, clock: () => now });
      const [one, two] = [breakersOn(book), breakersOn(await underTest.openAgain())];
      const key = 'openai:gpt-5.4-mini';
      const scope = `model:${key}`;
      // Each process makes one failing call at a time, as separate `warden run`s do.
      expect(await one.record({ type: 'model-call', modelKey: key, failed: true })).toBeUndefined();
      expect(await two.record({ type: 'model-call', modelKey: key, failed: true })).toBeUndefined();
      expect(await one.record({ type: 'model-call', modelKey: key, failed: true })).toMatchObject({
        scope,
        state: 'open',
        reason: `3 consecutive calls to ${key} failed`,
      });
      expect(await two.check([scope])).toMatchObject({ state: 'open' });

      now = new Date('2026-11-02T10:01:00Z');
      expect(await two.check([scope])).toBeUndefined(); // this process claims the probe
      expect(await one.check([scope])).toMatchObject({
        state: 'half-open',
        probeUntil: '2026-11-02T10:03:00.000Z',
      });
      // The prober dies without reporting; once its claim lapses, exactly one other call probes.
      now = new Date('2026-11-02T10:03:00Z');
      expect(await one.check([scope])).toBeUndefined();
      expect(await two.check([scope])).toMatchObject({ state: 'half-open' });
      await one.record({ type: 'model-call', modelKey: key, failed: false });
      expect(await two.check([scope])).toBeUndefined();
      expect(await two.list()).toEqual([
        expect.objectContaining({
          scope,
          state: 'closed',
          reason: 'a probe call succeeded',
          probeUntil: null,
        }),
      ]);
    });
  });
}
