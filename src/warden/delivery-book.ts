import type { DeliveryStore, StartedDelivery } from '../spec/delivery-store.ts';
import type { DeliveryBook } from './github-trigger.ts';

/**
 * The record of webhook deliveries, as a trigger's decision sees it for one delivery: whether its id
 * came before, its claim, a repository's (or service's) tasks started lately, and the task still
 * working on a subject. A task still waiting for a runner holds its subject for a day at most.
 */
export function deliveryBook(
  deliveries: DeliveryStore,
  delivery: { id: string; source: string; event: string; occurredAt?: string | undefined },
): DeliveryBook {
  const claim: DeliveryBook['claim'] = (record) =>
    deliveries.claim({
      ...record,
      id: delivery.id,
      source: delivery.source,
      event: delivery.event,
      occurredAt: delivery.occurredAt,
    });
  return {
    // Claiming a seen id again only counts the replay on its first record.
    replayed: async () => (await deliveries.seen(delivery.id)) && !(await claim({ outcome: 'replayed' })),
    claim,
    startedSince: (repository, sinceIso) => deliveries.startedSince(repository, sinceIso),
    busyWith: async (repository, subject) => taskStillBusy(await deliveries.lastStarted(repository, subject)),
  };
}

/**
 * The task of a subject's last started delivery while it still waits or runs (or awaits an approval);
 * undefined once it ended. One not in the store yet waits for a runner, for a day at most.
 */
export function taskStillBusy(last: StartedDelivery | undefined, now = new Date()): string | undefined {
  if (!last) return undefined;
  if (last.status === null) {
    return now.getTime() - Date.parse(last.receivedAt) < 86_400_000 ? last.taskId : undefined;
  }
  return last.status === 'running' || last.status === 'awaiting_approval' ? last.taskId : undefined;
}
