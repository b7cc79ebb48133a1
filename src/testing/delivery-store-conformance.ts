import type { DeliveryStore, WebhookDelivery } from '../spec/delivery-store.ts';
import { describeEngine, type EngineSuiteOptions, manualClock } from './engine-stores.ts';
import { newTask } from './store-conformance.ts';

const started = (id: string, subject: string, repository = 'octo/shop'): WebhookDelivery => ({
  id,
  source: 'github',
  event: 'workflow_run',
  repository,
  subject,
  outcome: 'started',
  taskId: `t-${id}`,
});

/**
 * Registers the Vitest suite every `DeliveryStore` must pass: a delivery id claimed once, every later
 * receipt counted as a replay on the first record without changing it; the tasks a repository started
 * since a time; a subject's latest started delivery with its task's status, let go when its task never
 * started; the alerts that started an investigation with the time of its diagnosis; and, through two
 * connections at once, exactly one of racing receipts of one id claiming it, the others counted. Await
 * it at the top level of a test file; it imports Vitest lazily.
 */
export async function runDeliveryStoreConformance(options: EngineSuiteOptions): Promise<void> {
  const { expect, it } = await import('vitest');
  await describeEngine(options, 'delivery store conformance', (stores, timeout) => {
    let clock: ReturnType<typeof manualClock>;
    let deliveries: DeliveryStore;
    const open = () => {
      clock = manualClock();
      deliveries = stores().deliveries({ now: clock.now });
    };

    it('takes an id once, and counts every replay without changing the first record', {
      timeout,
    }, async () => {
      open();
      expect(await deliveries.seen('a')).toBe(false);
      expect(await deliveries.replaysOf('a')).toBeUndefined();
      expect(await deliveries.claim(started('a', 'ci@main'))).toBe(true);
      expect(await deliveries.seen('a')).toBe(true);
      expect(await deliveries.replaysOf('a')).toBe(0);
      clock.advance(1_000);
      expect(await deliveries.claim({ ...started('a', 'ci@main'), outcome: 'ignored: whatever' })).toBe(
        false,
      );
      expect(await deliveries.claim({ ...started('a', 'ci@other'), taskId: 't-other' })).toBe(false);
      expect(await deliveries.replaysOf('a')).toBe(2);
      expect(await deliveries.lastStarted('octo/shop', 'ci@main')).toEqual({
        taskId: 't-a',
        receivedAt: '2026-01-01T00:00:00.000Z',
        status: null,
      });
      expect(await deliveries.lastStarted('octo/shop', 'ci@other')).toBeUndefined();
    });

    it('counts the started ones of a repository since a time', { timeout }, async () => {
      open();
      await deliveries.claim(started('a', 'ci@main'));
      await deliveries.claim({ ...started('b', 'ci@dev'), outcome: 'ignored: busy', taskId: undefined });
      clock.advance(60_000);
      await deliveries.claim(started('c', 'ci@dev'));
      await deliveries.claim(started('d', 'ci@main', 'octo/other'));
      expect(await deliveries.startedSince('octo/shop', '2026-01-01T00:00:00.000Z')).toBe(2);
      expect(await deliveries.startedSince('octo/shop', '2026-01-01T00:00:00.001Z')).toBe(1);
      expect(await deliveries.startedSince('octo/other', '')).toBe(1);
      expect(await deliveries.startedSince('octo/none', '')).toBe(0);
    });

    it('names the newest started delivery of a subject with its task, and lets go of one that never started', {
      timeout,
    }, async () => {
      open();
      const { store } = stores();
      await deliveries.claim(started('a', 'ci@dev'));
      clock.advance(1_000);
      await deliveries.claim(started('b', 'ci@dev'));
      await store.createTask(newTask('t-b'));
      expect(await deliveries.lastStarted('octo/shop', 'ci@dev')).toEqual({
        taskId: 't-b',
        receivedAt: '2026-01-01T00:00:01.000Z',
        status: 'running',
      });
      await store.updateTask('t-b', { status: 'failed' });
      expect((await deliveries.lastStarted('octo/shop', 'ci@dev'))?.status).toBe('failed');
      await deliveries.failed('b', 'repository gone');
      expect((await deliveries.lastStarted('octo/shop', 'ci@dev'))?.taskId).toBe('t-a');
      expect(await deliveries.startedSince('octo/shop', '')).toBe(1);
      await deliveries.failed('a', 'repository gone');
      expect(await deliveries.lastStarted('octo/shop', 'ci@dev')).toBeUndefined();
      // Marking an id never seen changes nothing.
      await deliveries.failed('zzz', 'nothing');
      expect(await deliveries.seen('zzz')).toBe(false);
    });

    it('reports the alerts that started a task, and when each was diagnosed', { timeout }, async () => {
      open();
      const { store } = stores();
      const alert = (id: string, occurredAt: string | undefined, outcome = 'started'): WebhookDelivery => ({
        id,
        source: 'alert',
        event: 'incident.triggered',
        repository: 'service:api',
        subject: id,
        outcome,
        taskId: `t-${id}`,
        occurredAt,
      });
      await deliveries.claim(alert('old', '2025-12-31T23:00:00.000Z'));
      clock.advance(60_000);
      // Received in this order, a second apart; listed in the order received.
      for (const delivery of [
        alert('fixed', '2026-01-01T00:00:30.000Z'),
        alert('failed', '2026-01-01T00:00:50.000Z'),
        alert('open', '2026-01-01T00:00:40.000Z'),
        alert('ignored', '2026-01-01T00:00:50.000Z', 'ignored: busy'),
        alert('timeless', undefined),
        { ...started('gh', 'ci@main'), occurredAt: '2026-01-01T00:00:00.000Z' },
      ]) {
        await deliveries.claim(delivery);
        clock.advance(1_000);
      }
      for (const id of ['t-fixed', 't-open', 't-failed']) await store.createTask(newTask(id));
      await store.updateTask('t-fixed', { status: 'unverified', endedAt: '2026-01-01T00:05:00.000Z' });
      await store.updateTask('t-failed', { status: 'failed', endedAt: '2026-01-01T00:06:00.000Z' });
      expect(await deliveries.alertDiagnoses('2026-01-01T00:01:00.000Z')).toEqual([
        { occurredAt: '2026-01-01T00:00:30.000Z', diagnosedAt: '2026-01-01T00:05:00.000Z' },
        { occurredAt: '2026-01-01T00:00:50.000Z', diagnosedAt: null },
        { occurredAt: '2026-01-01T00:00:40.000Z', diagnosedAt: null },
      ]);
      expect(await deliveries.alertDiagnoses('')).toHaveLength(4);
    });

    it('keeps deliveries when the database is opened again', { timeout }, async () => {
      open();
      await deliveries.claim(started('a', 'ci@main'));
      const again = (await stores().openAgain()).deliveries({ now: clock.now });
      expect(await again.claim(started('a', 'ci@main'))).toBe(false);
      expect(await deliveries.replaysOf('a')).toBe(1);
    });

    it('lets exactly one of racing receipts on two connections claim an id, counting the rest', {
      timeout,
    }, async () => {
      open();
      const other = (await stores().openAgain()).deliveries({ now: clock.now });
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? deliveries : other).claim({ ...started('a', 'ci@main'), taskId: `t-${index}` }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await other.replaysOf('a')).toBe(11);
      const winner = claims.indexOf(true);
      expect((await deliveries.lastStarted('octo/shop', 'ci@main'))?.taskId).toBe(`t-${winner}`);
    });
  });
}
