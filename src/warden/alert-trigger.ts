import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { spotlight } from '../guard/index.ts';
import type { TaskTrigger } from '../spec/journal-events.ts';
import type { DeliveryBook, TriggerDecision } from './github-trigger.ts';

/** An alert as the two shapes Warden reads say it, reduced to what a task needs. */
export interface Alert {
  /** The delivery's id: PagerDuty's event id; for Alertmanager, a hash of the group, status and alerts. */
  id: string;
  /** `pagerduty.incident.triggered`, `alertmanager.firing`. */
  event: string;
  /** Who sent it: `pagerduty` or `alertmanager`. */
  sender: string;
  /** The service it is about: PagerDuty's service name, Alertmanager's `service` (or `job`) label. */
  service: string;
  /** What one task at a time works on: the incident, or the alert group. */
  subject: string;
  title: string;
  details: string;
  url: string | undefined;
  /** When it fired (ISO time). */
  occurredAt: string;
}

const PagerDutyV3 = z.looseObject({
  event: z.looseObject({
    id: z.string().min(1),
    event_type: z.string(),
    occurred_at: z.string(),
    data: z.looseObject({
      id: z.string(),
      title: z.string().nullish(),
      html_url: z.string().nullish(),
      urgency: z.string().nullish(),
      service: z.looseObject({ summary: z.string() }).nullish(),
    }),
  }),
});

const Alertmanager = z.looseObject({
  version: z.string(),
  groupKey: z.string(),
  status: z.string(),
  externalURL: z.string().nullish(),
  commonLabels: z.record(z.string(), z.string()).nullish(),
  alerts: z
    .array(
      z.looseObject({
        status: z.string(),
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).nullish(),
        startsAt: z.string(),
        fingerprint: z.string().nullish(),
        generatorURL: z.string().nullish(),
      }),
    )
    .min(1),
});

/**
 * Reads an alert webhook body: PagerDuty's v3 webhook (`incident.triggered`) or Alertmanager's (version
 * 4, `firing`); why not, for anything else (a resolved alert, another event, another shape).
 */
export function readAlert(payload: unknown): Alert | { reason: string } {
  const pagerduty = PagerDutyV3.safeParse(payload);
  if (pagerduty.success) {
    const { event } = pagerduty.data;
    if (event.event_type !== 'incident.triggered') {
      return { reason: `PagerDuty ${event.event_type} asks for no investigation` };
    }
    const incident = event.data;
    return {
      id: event.id,
      event: `pagerduty.${event.event_type}`,
      sender: 'pagerduty',
      service: incident.service?.summary ?? '(no service)',
      subject: `incident:${incident.id}`,
      title: incident.title ?? `incident ${incident.id}`,
      details: incident.urgency ? `Urgency: ${incident.urgency}.` : '',
      url: incident.html_url ?? undefined,
      occurredAt: event.occurred_at,
    };
  }
  const manager = Alertmanager.safeParse(payload);
  if (manager.success) {
    const group = manager.data;
    if (group.status !== 'firing')
      return { reason: `Alertmanager ${group.status} asks for no investigation` };
    const firing = group.alerts.filter((alert) => alert.status === 'firing');
    const first = firing[0] ?? group.alerts[0]!;
    const labels = { ...group.commonLabels, ...first.labels };
    const identity = firing.map(
      (alert) => `${alert.fingerprint ?? JSON.stringify(alert.labels)}@${alert.startsAt}`,
    );
    return {
      id: `am-${createHash('sha256')
        .update(JSON.stringify([group.groupKey, group.status, identity.sort()]))
        .digest('hex')
        .slice(0, 32)}`,
      event: 'alertmanager.firing',
      sender: 'alertmanager',
      service: labels.service ?? labels.job ?? '(no service)',
      subject: `group:${group.groupKey}`,
      title: first.annotations?.summary ?? labels.alertname ?? 'an alert',
      details: firing
        .map((alert) =>
          [
            `- ${Object.entries(alert.labels)
              .map(([key, value]) => `${key}=${value}`)
              .join(' ')} since ${alert.startsAt}`,
            alert.annotations?.description ? `  ${alert.annotations.description}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
        .join('\n'),
      url: first.generatorURL ?? group.externalURL ?? undefined,
      occurredAt: first.startsAt,
    };
  }
  return { reason: 'the body is neither a PagerDuty v3 webhook nor an Alertmanager webhook' };
}

/**
 * Decides what an alert whose signature was verified starts, by `triggers.alerts`: the investigator
 * agent on the checkout of the alert's service, with the trigger recorded on the task. Nothing starts
 * for a service not configured, while a task still works on the same incident or group, or past
 * `maxPerHour` tasks for the service in the last hour. Every delivery is recorded once, by id.
 */
export async function decideAlert(
  config: Config,
  alert: Alert,
  newTaskId: () => string,
  book: DeliveryBook,
  now = new Date(),
): Promise<TriggerDecision> {
  if (await book.replayed()) return { outcome: 'replayed' };
  const settings = config.triggers.alerts;
  const checkout = settings.services[alert.service];
  const service = `service:${alert.service}`;
  let reason: string | undefined;
  if (checkout === undefined) reason = `service ${alert.service} is not in triggers.alerts.services`;
  else {
    const busy = await book.busyWith(service, alert.subject);
    const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
    if (busy !== undefined) reason = `task ${busy} is already investigating ${alert.subject}`;
    else if ((await book.startedSince(service, hourAgo)) >= settings.maxPerHour) {
      reason = `service ${alert.service} started ${settings.maxPerHour} task(s) in the last hour (triggers.alerts.maxPerHour)`;
    }
  }
  const taskId = reason === undefined ? newTaskId() : undefined;
  const claimed = await book.claim({
    outcome: reason === undefined ? 'started' : `ignored: ${reason}`,
    taskId,
    repository: service,
    subject: alert.subject,
  });
  if (!claimed) return { outcome: 'replayed' };
  if (reason !== undefined || taskId === undefined || checkout === undefined) {
    return { outcome: 'ignored', reason: reason ?? 'not started' };
  }
  const trigger: TaskTrigger = {
    kind: 'alert',
    event: alert.event,
    deliveryId: alert.id,
    actor: alert.sender,
    url: alert.url,
  };
  const task = [
    `Alert: ${alert.title} (service ${alert.service}, fired ${alert.occurredAt}${alert.url ? `, ${alert.url}` : ''})`,
    alert.details.trim() === ''
      ? ''
      : spotlight(
          alert.details,
          { kind: 'alert', label: `the alert's details from ${alert.sender}` },
          randomBytes(8).toString('hex'),
        ),
    'Find the most likely cause in this repository and write the diagnosis.',
  ]
    .filter((part) => part.trim() !== '')
    .join('\n\n');
  return {
    outcome: 'started',
    taskId,
    request: {
      taskId,
      repo: checkout,
      task,
      agent: settings.agent,
      requestedBy: `alert:${alert.sender}`,
      trigger,
      sources: [{ kind: 'alert', label: `the alert "${alert.title}" from ${alert.sender}` }],
      shadow: settings.mode === undefined ? undefined : settings.mode === 'shadow',
    },
  };
}
