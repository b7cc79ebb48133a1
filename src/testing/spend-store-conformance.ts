import type { SpendEntry, SpendReservation, SpendStore, SpendWindow } from '../spec/spend-store.ts';

/** A fresh, empty spend store made for one test, with the engine-specific ways to look under it. */
export interface SpendStoreUnderTest {
  book: SpendStore;
  /** A second store on the same data, as another process would open it. */
  openAgain: () => Promise<SpendStore>;
  /** Writes a window's spent amount as stored, past the store (an older version, an operator's edit). */
  writeWindow: (scope: string, window: string, spentNanos: bigint) => Promise<void>;
  /** Writes an entry of `taskId` whose stored `usd_nanos` is `usdNanos`, past the store. */
  writeEntry: (taskId: string, at: string, usdNanos: bigint) => Promise<void>;
  /** How many reservation rows the store keeps. */
  reservationRows: () => Promise<number>;
  /** Makes deleting a reservation row fail (the disk went away) until the returned function is called. */
  breakCompaction: () => Promise<() => Promise<void>>;
  /** Closes every store opened for the test and removes what it made. */
  close: () => Promise<void>;
}

export interface SpendStoreConformanceOptions {
  /** Makes an empty store for one test; called once per test. */
  open: () => Promise<SpendStoreUnderTest>;
  /** Suite title. Default: `spend store conformance`. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no server reachable). */
  skipReason?: string | undefined;
  /** Per-test timeout in ms. Default: 30 000. */
  timeoutMs?: number;
}

const NOW = new Date('2026-12-02T12:00:00.000Z');
const DAY = '2026-12-02';
const HOUR = 3_600_000;

const fleet = (limitUsd: number | null, limitTokens: number | null = null): SpendWindow => ({
  scope: 'fleet',
  window: DAY,
  limitUsd,
  limitTokens,
});
const task = (id: string, limitUsd: number | null = null): SpendWindow => ({
  scope: `task:${id}`,
  window: 'all',
  limitUsd,
  limitTokens: null,
});

/** The entry of a call of task `t1` that cost `usd`. */
export const spendEntryOf = (usd: number, taskId = 't1'): SpendEntry => ({
  taskId,
  agent: 'coder',
  team: null,
  stage: null,
  priceKey: 'anthropic:claude-haiku-4-5',
  priceTableVersion: 'v',
  tier: null,
  batch: false,
  usd,
  tokens: 100,
  input: 90,
  output: 10,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  topTierUsd: null,
});

/**
 * Registers the Vitest suite every `SpendStore` must pass: amounts out of range refused with nothing
 * booked; limits in USD and tokens checked against spent plus held, all windows or none; a window whose
 * stored totals cannot be read refused under a limit (fails closed) and added to without one; an
 * unreadable entry left out and named; reservations released when their time to live ran out, or when
 * their task's process died, once; settling twice books once, with or without the reservation's row;
 * settled reservations compacted away, a failure of the compaction rolling the booking back with it;
 * concurrent reservations from two stores never passing a limit together. Await it at the top level of
 * a test file; it imports Vitest lazily.
 */
export async function runSpendStoreConformance(options: SpendStoreConformanceOptions): Promise<void> {
  const { afterEach, beforeEach, describe, expect, it } = await import('vitest');
  const title = options.name ?? 'spend store conformance';
  if (options.skipReason) {
    console.warn(`${title}: skipped: ${options.skipReason}`);
    describe.skip(`${title} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  const timeout = options.timeoutMs ?? 30_000;

  describe(title, () => {
    let underTest: SpendStoreUnderTest;
    let book: SpendStore;

    beforeEach(async () => {
      underTest = await options.open();
      book = underTest.book;
    }, timeout);
    afterEach(async () => {
      await underTest?.close();
    }, timeout);

    /** Holds `usd` in `windows`; throws when refused. */
    const hold = async (usd: number, windows: SpendWindow[] = [task('t1'), fleet(null)], now = NOW) => {
      const outcome = await book.reserve({ windows, usd, tokens: 100, now, ttlMs: HOUR });
      if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome)}`);
      return outcome.reservation;
    };
    const zero = { spentUsd: 0, spentTokens: 0, heldUsd: 0, heldTokens: 0 };

    it.each([
      ['a negative amount', { usd: -4.5, tokens: 10 }],
      ['an amount past the per-call cap', { usd: 7.5e8, tokens: 10 }],
      ['a token count past the cap', { usd: 1, tokens: 1e15 }],
      ['an amount that is not a number', { usd: Number.NaN, tokens: 10 }],
    ])('refuses to book %s, and books nothing', { timeout }, async (_name, actual) => {
      const reservation = await hold(0.1);
      await expect(book.settle(reservation, actual, spendEntryOf(0), NOW)).rejects.toMatchObject({
        code: 'spend-out-of-range',
      });
      expect(await book.totals('fleet', DAY)).toMatchObject({ spentUsd: 0, heldUsd: 0.1 });
      expect(await book.entries()).toEqual([]);
      await expect(
        book.reserve({ windows: [fleet(null)], usd: -1, tokens: 1, now: NOW, ttlMs: HOUR }),
      ).rejects.toMatchObject({ code: 'spend-out-of-range' });
    });

    it('refuses to book an entry whose counts are negative', { timeout }, async () => {
      const settling = book.settle(
        await hold(0.1),
        { usd: 0.01, tokens: 10 },
        { ...spendEntryOf(0.01), output: -50 },
      );
      await expect(settling).rejects.toThrow(/spend entry/);
    });

    it('reads zeros for a window never used', { timeout }, async () => {
      expect(await book.totals('agent:nobody', DAY)).toEqual(zero);
    });

    it('refuses past a USD or token limit, naming the window, and holds nothing anywhere then', {
      timeout,
    }, async () => {
      await hold(0.6, [task('t1'), fleet(1)]);
      const refused = await book.reserve({
        windows: [task('t2'), fleet(1)],
        usd: 0.5,
        tokens: 1,
        now: NOW,
        ttlMs: HOUR,
      });
      expect(refused).toEqual({
        ok: false,
        scope: 'fleet',
        window: DAY,
        limit: 'usd',
        committed: 0.6,
        limitValue: 1,
      });
      expect(await book.totals('task:t2', 'all')).toEqual(zero);
      const tokens = await book.reserve({
        windows: [task('t2'), fleet(null, 150)],
        usd: 0.01,
        tokens: 60,
        now: NOW,
        ttlMs: HOUR,
      });
      expect(tokens).toMatchObject({
        ok: false,
        scope: 'fleet',
        limit: 'tokens',
        committed: 100,
        limitValue: 150,
      });
      // Exactly up to the limit is allowed.
      expect(
        (await book.reserve({ windows: [fleet(1)], usd: 0.4, tokens: 1, now: NOW, ttlMs: HOUR })).ok,
      ).toBe(true);
    });

    it('reads an out-of-range window as unreadable: refused under a limit, added to without one', {
      timeout,
    }, async () => {
      await underTest.writeWindow('fleet', DAY, 750_000_000_000_000_000n);
      expect(await book.totals('fleet', DAY)).toBeUndefined();
      const limited = await book.reserve({
        windows: [fleet(100)],
        usd: 0.1,
        tokens: 1,
        now: NOW,
        ttlMs: HOUR,
      });
      expect(limited).toMatchObject({ ok: false, limit: 'unreadable', scope: 'fleet' });
      const free = await book.reserve({ windows: [fleet(null)], usd: 0.1, tokens: 1, now: NOW, ttlMs: HOUR });
      expect(free.ok).toBe(true);
    });

    it('leaves an out-of-range entry out of what it reads, and says which', { timeout }, async () => {
      await book.settle(await hold(0.1), { usd: 0.01, tokens: 15 }, spendEntryOf(0.01), NOW);
      await underTest.writeEntry('old', '2026-11-30T00:00:00.000Z', 750_000_000_000_000_000n);
      const skipped: string[] = [];
      const entries = await book.entries({}, (bad) => skipped.push(`${bad.taskId}: ${bad.reason}`));
      expect(entries.map((row) => row.taskId)).toEqual(['t1']);
      expect(skipped).toEqual(['old: usd_nanos 750000000000000000 is not an integer between 0 and 2^53']);
    });

    it('reads entries oldest first, filtered by time and task, with every field as booked', {
      timeout,
    }, async () => {
      const at = (hour: number) => new Date(`2026-12-02T${String(hour).padStart(2, '0')}:00:00.000Z`);
      await book.settle(await hold(0.1), { usd: 0.01, tokens: 100 }, spendEntryOf(0.01, 'a'), at(1));
      await book.settle(
        await hold(0.1),
        { usd: 0.02, tokens: 100 },
        { ...spendEntryOf(0.02, 'b'), batch: true, topTierUsd: 0.5 },
        at(2),
      );
      await book.settle(await hold(0.1), { usd: 0.03, tokens: 100 }, spendEntryOf(0.03, 'a'), at(3));
      expect((await book.entries()).map((row) => row.usd)).toEqual([0.01, 0.02, 0.03]);
      expect((await book.entries({ taskId: 'a' })).map((row) => row.usd)).toEqual([0.01, 0.03]);
      const since = await book.entries({ sinceAt: at(2).toISOString() });
      expect(since).toEqual([
        { ...spendEntryOf(0.02, 'b'), batch: true, topTierUsd: 0.5, day: DAY, at: at(2).toISOString() },
        { ...spendEntryOf(0.03, 'a'), day: DAY, at: at(3).toISOString() },
      ]);
    });

    it('releases a reservation once its time to live ran out, and a late settle books it without freeing twice', {
      timeout,
    }, async () => {
      const stale = await hold(0.5, [task('t1'), fleet(1)]);
      const later = new Date(NOW.getTime() + 2 * HOUR);
      const fresh = await hold(0.8, [task('t2'), fleet(1)], later);
      expect(await book.totals('fleet', DAY)).toMatchObject({ heldUsd: 0.8 });
      await book.settle(stale, { usd: 0.1, tokens: 10 }, spendEntryOf(0.1), later);
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0.1,
        spentTokens: 10,
        heldUsd: 0.8,
        heldTokens: 100,
      });
      await book.settle(fresh, { usd: 0.2, tokens: 20 }, spendEntryOf(0.2, 't2'), later);
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0.3,
        spentTokens: 30,
        heldUsd: 0,
        heldTokens: 0,
      });
    });

    it("frees only a dead task's holds, in its own window and in the shared ones, once", {
      timeout,
    }, async () => {
      const agent = { scope: 'agent:coder', window: DAY, limitUsd: 1, limitTokens: null };
      await hold(0.25, [task('dead', 1), agent]);
      await hold(0.1, [task('alive', 1), agent]);
      const found = new Date(NOW.getTime() + 1000);
      // The worker that took the task over reserved again after the reaper found it gone: that hold stays.
      await hold(0.05, [task('dead', 1), agent], new Date(NOW.getTime() + 2000));
      expect(await book.releaseTaskReservations('dead', found)).toBe(1);
      expect((await book.totals('task:dead', 'all'))?.heldUsd).toBeCloseTo(0.05, 9);
      expect((await book.totals('task:alive', 'all'))?.heldUsd).toBeCloseTo(0.1, 9);
      expect((await book.totals('agent:coder', DAY))?.heldUsd).toBeCloseTo(0.15, 9);
      expect(await book.releaseTaskReservations('dead', found)).toBe(0);
      expect((await book.totals('agent:coder', DAY))?.heldUsd).toBeCloseTo(0.15, 9);
    });

    it('keeps no row per booked model call: a 30-call task leaves no reservation behind', {
      timeout,
    }, async () => {
      for (let step = 0; step < 30; step++)
        await book.settle(await hold(0.01), { usd: 0.01, tokens: 100 }, spendEntryOf(0.01), NOW);
      expect(await underTest.reservationRows()).toBe(0);
      expect(await book.entries()).toHaveLength(30);
      expect(await book.totals('task:t1', 'all')).toEqual({
        spentUsd: 0.3,
        spentTokens: 3000,
        heldUsd: 0,
        heldTokens: 0,
      });
    });

    it('keeps no row for a released call either, and releasing twice books nothing', {
      timeout,
    }, async () => {
      const reservation = await hold(0.2);
      await book.settle(reservation, { usd: 0, tokens: 0 }, undefined, NOW);
      await book.settle(reservation, { usd: 0, tokens: 0 }, undefined, NOW);
      expect(await underTest.reservationRows()).toBe(0);
      expect(await book.totals('fleet', DAY)).toEqual(zero);
    });

    it('books once when the same reservation is settled again, with its entry or without one', {
      timeout,
    }, async () => {
      const withEntry = await hold(0.5);
      await book.settle(withEntry, { usd: 0.25, tokens: 100 }, spendEntryOf(0.25), NOW);
      await book.settle(withEntry, { usd: 0.25, tokens: 100 }, spendEntryOf(0.25), NOW);
      expect(await book.entries()).toHaveLength(1);
      const withoutEntry = await hold(0.5);
      await book.settle(withoutEntry, { usd: 0.1, tokens: 50 }, undefined, NOW);
      await book.settle(withoutEntry, { usd: 0.1, tokens: 50 }, undefined, NOW);
      // A call booked without an entry keeps a settled row: the only record that it was booked.
      expect(await underTest.reservationRows()).toBe(1);
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0.35,
        spentTokens: 150,
        heldUsd: 0,
        heldTokens: 0,
      });
    });

    it('a daily budget near its limit still refuses after compaction, with the same money committed', {
      timeout,
    }, async () => {
      const windows = [task('t1'), fleet(1)];
      for (let step = 0; step < 9; step++)
        await book.settle(await hold(0.1, windows), { usd: 0.1, tokens: 100 }, spendEntryOf(0.1), NOW);
      expect(await underTest.reservationRows()).toBe(0);
      const held = await hold(0.05, windows);
      const reserve = (usd: number) => book.reserve({ windows, usd, tokens: 1, now: NOW, ttlMs: HOUR });
      expect(await reserve(0.06)).toMatchObject({
        ok: false,
        scope: 'fleet',
        limit: 'usd',
        committed: 0.95,
        limitValue: 1,
      });
      await book.settle(held, { usd: 0.05, tokens: 100 }, spendEntryOf(0.05), NOW);
      expect((await reserve(0.06)).ok).toBe(false);
      expect((await reserve(0.05)).ok).toBe(true);
    });

    it('a failure between booking and compaction rolls both back: nothing lost, nothing counted twice', {
      timeout,
    }, async () => {
      const reservation = await hold(0.5);
      const repair = await underTest.breakCompaction();
      await expect(
        book.settle(reservation, { usd: 0.25, tokens: 100 }, spendEntryOf(0.25), NOW),
      ).rejects.toMatchObject({
        code: 'store-failed',
        message: expect.stringMatching(/disk went away/),
      });
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0,
        spentTokens: 0,
        heldUsd: 0.5,
        heldTokens: 100,
      });
      expect(await book.entries()).toHaveLength(0);
      await repair();
      await book.settle(reservation, { usd: 0.25, tokens: 100 }, spendEntryOf(0.25), NOW);
      await book.settle(reservation, { usd: 0.25, tokens: 100 }, spendEntryOf(0.25), NOW);
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0.25,
        spentTokens: 100,
        heldUsd: 0,
        heldTokens: 0,
      });
      expect(await book.entries()).toHaveLength(1);
      expect(await underTest.reservationRows()).toBe(0);
    });

    it('two stores reserving at once never pass a limit together, and settling from either books once', {
      timeout,
    }, async () => {
      const other = await underTest.openAgain();
      const windows = [fleet(1)];
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          (index % 2 === 0 ? book : other).reserve({ windows, usd: 0.03, tokens: 1, now: NOW, ttlMs: HOUR }),
        ),
      );
      const held = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.reservation] : []));
      expect(held).toHaveLength(33);
      expect(await other.totals('fleet', DAY)).toMatchObject({ spentUsd: 0, heldUsd: 0.99 });
      const settle = (store: SpendStore, reservation: SpendReservation) =>
        store.settle(reservation, { usd: 0.01, tokens: 1 }, spendEntryOf(0.01), NOW);
      await Promise.all(
        held.flatMap((reservation) => [settle(book, reservation), settle(other, reservation)]),
      );
      expect(await book.totals('fleet', DAY)).toEqual({
        spentUsd: 0.33,
        spentTokens: 33,
        heldUsd: 0,
        heldTokens: 0,
      });
      expect(await other.entries()).toHaveLength(33);
    });
  });
}
