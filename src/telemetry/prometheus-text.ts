import type { EventType, JournalEvent } from '../spec/journal-events.ts';
import type { TaskFilter } from '../spec/store.ts';
import type { Task } from '../spec/types.ts';
import { DURATION_BUCKETS, TOKEN_BUCKETS } from './genai-conventions.ts';
import { measurementsOfJournal } from './measurements-of-journal.ts';
import type { TelemetryMeasurement } from './telemetry-span.ts';

/** What `storeMetricsText` reads: the store's tasks and its events of a few types. */
export interface MetricsSource {
  listTasks(filter?: TaskFilter): Promise<Task[]>;
  eventsOfType(type: EventType, taskIds: readonly string[]): Promise<JournalEvent[]>;
}

/** The event types the measurements count from. */
const COUNTED: EventType[] = [
  'task-start',
  'model-response',
  'decision',
  'breaker-open',
  'task-end',
  'task-pause',
  'task-interrupted',
];

/**
 * The metrics of every task in the store, in the Prometheus text exposition format (0.0.4), counted
 * exactly as the OTLP export counts them (`measurementsOfJournal`). Names follow OpenTelemetry's
 * Prometheus mapping: dots become underscores, a duration gets `_seconds`, a counter `_total`.
 */
export async function storeMetricsText(source: MetricsSource): Promise<string> {
  const tasks = await source.listTasks({ limit: Number.MAX_SAFE_INTEGER });
  const byTask = new Map<string, JournalEvent[]>();
  const ids = tasks.map((task) => task.id);
  for (let from = 0; from < ids.length; from += 500) {
    const chunk = ids.slice(from, from + 500);
    for (const type of COUNTED)
      for (const event of await source.eventsOfType(type, chunk)) {
        const list = byTask.get(event.taskId) ?? [];
        list.push(event);
        byTask.set(event.taskId, list);
      }
  }
  const measurements: TelemetryMeasurement[] = [];
  for (const events of byTask.values()) {
    events.sort((a, b) => a.seq - b.seq);
    measurements.push(...measurementsOfJournal(events));
  }
  return prometheusText(measurements);
}

type Family = { name: string; help: string; kind: 'counter' | 'histogram'; buckets?: number[] };

const FAMILIES: Record<TelemetryMeasurement['metric'], Family> = {
  tokenUsage: {
    name: 'gen_ai_client_token_usage',
    help: 'Tokens per model call, by gen_ai_token_type.',
    kind: 'histogram',
    buckets: TOKEN_BUCKETS,
  },
  operationDuration: {
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'Seconds per model call.',
    kind: 'histogram',
    buckets: DURATION_BUCKETS,
  },
  costUsd: { name: 'warden_cost_usd_total', help: 'What model calls cost, in USD.', kind: 'counter' },
  taskOutcomes: { name: 'warden_task_outcomes_total', help: 'Finished tasks, by status.', kind: 'counter' },
  policyDecisions: {
    name: 'warden_policy_decisions_total',
    help: 'Policy decisions, by allow / ask / deny.',
    kind: 'counter',
  },
  breakerOpens: {
    name: 'warden_breaker_opens_total',
    help: 'Model calls refused because a circuit breaker was open.',
    kind: 'counter',
  },
};

/** `measurements` summed into Prometheus text: a counter per label set, a histogram per label set. */
export function prometheusText(measurements: readonly TelemetryMeasurement[]): string {
  const series = new Map<TelemetryMeasurement['metric'], Map<string, { labels: string; values: number[] }>>();
  for (const measurement of measurements) {
    const family = series.get(measurement.metric) ?? new Map();
    series.set(measurement.metric, family);
    const labels = Object.entries(measurement.attributes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key.replace(/[^a-zA-Z0-9_]/g, '_')}="${escapeLabel(value)}"`)
      .join(',');
    const one = family.get(labels) ?? { labels, values: [] };
    one.values.push(measurement.value);
    family.set(labels, one);
  }
  const lines: string[] = [];
  for (const [metric, family] of Object.entries(FAMILIES) as Array<
    [TelemetryMeasurement['metric'], Family]
  >) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`);
    for (const { labels, values } of series.get(metric)?.values() ?? []) {
      const sum = values.reduce((total, value) => total + value, 0);
      if (family.kind === 'counter') {
        lines.push(`${family.name}${braces(labels)} ${number(sum)}`);
        continue;
      }
      for (const bound of family.buckets ?? []) {
        const count = values.filter((value) => value <= bound).length;
        lines.push(`${family.name}_bucket${braces(join(labels, `le="${number(bound)}"`))} ${count}`);
      }
      lines.push(`${family.name}_bucket${braces(join(labels, 'le="+Inf"'))} ${values.length}`);
      lines.push(
        `${family.name}_sum${braces(labels)} ${number(sum)}`,
        `${family.name}_count${braces(labels)} ${values.length}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function join(labels: string, more: string): string {
  return labels ? `${labels},${more}` : more;
}

function braces(labels: string): string {
  return labels ? `{${labels}}` : '';
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e9) / 1e9);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
