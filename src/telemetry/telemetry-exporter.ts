import type { Counter, Histogram } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createSecretScanner } from '../guard/index.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import { DURATION_BUCKETS, METRIC, SCHEMA_URL, SCOPE_NAME, TOKEN_BUCKETS } from './genai-conventions.ts';
import { measurementsOfJournal } from './measurements-of-journal.ts';
import { sendOtlp } from './otlp-sender.ts';
import { redactContent } from './redact-content.ts';
import { spansOfJournal } from './spans-of-journal.ts';
import type { TelemetrySettings } from './telemetry-settings.ts';
import type { TelemetryMeasurement, TelemetrySpan } from './telemetry-span.ts';

/** Sends finished tasks to an OTLP/HTTP collector. */
export interface TelemetryExporter {
  /**
   * Sends a task's span tree (and, with `metrics`, adds its measurements to the process's metrics and
   * sends those); resolves once the collector took them.
   *
   * @throws SystemError `telemetry-failed` when the collector refused them or could not be reached.
   */
  exportTask(events: readonly JournalEvent[], options: { metrics: boolean }): Promise<void>;
  /**
   * Waits up to `boundMs` for the sends in flight, then abandons the rest; returns how many it abandoned.
   * Nothing is sent after.
   */
  close(boundMs: number): Promise<number>;
}

type Instruments = Record<TelemetryMeasurement['metric'], Histogram | Counter>;

/** The SDK parts, loaded on the first export: a Warden that exports nothing never loads them. */
interface Loaded {
  resource: Resource;
  transformer: typeof import('@opentelemetry/otlp-transformer');
  metrics: { provider: MeterProvider; reader: MetricReader; instruments: Instruments } | null;
}

/**
 * An exporter for `settings`. Spans are built from the journal (`spansOfJournal`) and handed to the
 * OpenTelemetry SDK's OTLP serializers (protobuf or JSON); metrics are aggregated by the SDK's
 * `MeterProvider` (cumulative, per process). The bytes are posted by `sendOtlp`, whose sends `close`
 * can abandon at its bound: the SDK's own exporters keep retry timers and sockets that would hold the
 * process open after the task is done. Builds nothing until the first export.
 */
export function createTelemetryExporter(
  settings: TelemetrySettings,
  options: { serviceVersion?: string | undefined; secretSalt?: string | undefined } = {},
): TelemetryExporter {
  const aborts = new AbortController();
  // Content leaves the machine: its secrets do not (fingerprints salted as the task's own findings).
  const scanner = createSecretScanner({ salt: options.secretSalt });
  const inFlight = new Set<Promise<unknown>>();
  let loaded: Promise<Loaded> | undefined;
  const load = () => (loaded ??= loadSdk(settings, options.serviceVersion));
  const contentType = settings.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
  const send = (url: string, body: Uint8Array | undefined) => {
    if (!body) throw new Error('the OTLP serializer produced nothing');
    return sendOtlp(
      { url, body, contentType, headers: settings.headers },
      { timeoutMs: settings.timeoutMs, attempts: 4, signal: aborts.signal },
    );
  };

  const exportTask = async (events: readonly JournalEvent[], exportOptions: { metrics: boolean }) => {
    const sdk = await load();
    const spans = spansOfJournal(events, { captureContent: settings.captureContent });
    if (spans.length === 0) return;
    if (settings.captureContent) await redactContent(spans, (text) => scanner.redact(text));
    const readable = spans.map((span) => readableSpan(span, sdk.resource, options.serviceVersion));
    const serializer =
      settings.protocol === 'http/json'
        ? sdk.transformer.JsonTraceSerializer
        : sdk.transformer.ProtobufTraceSerializer;
    const sends = [send(settings.tracesUrl, serializer.serializeRequest(readable))];
    if (exportOptions.metrics && sdk.metrics && settings.metricsUrl) {
      for (const measurement of measurementsOfJournal(events)) {
        const instrument = sdk.metrics.instruments[measurement.metric];
        if ('record' in instrument) instrument.record(measurement.value, measurement.attributes);
        else instrument.add(measurement.value, measurement.attributes);
      }
      const { resourceMetrics } = await sdk.metrics.reader.collect();
      const metricsSerializer =
        settings.protocol === 'http/json'
          ? sdk.transformer.JsonMetricsSerializer
          : sdk.transformer.ProtobufMetricsSerializer;
      sends.push(send(settings.metricsUrl, metricsSerializer.serializeRequest(resourceMetrics)));
    }
    await Promise.all(sends);
  };

  return {
    exportTask(events, exportOptions) {
      if (aborts.signal.aborted) return Promise.resolve();
      const sending = exportTask(events, exportOptions);
      const tracked = sending.catch(() => {});
      inFlight.add(tracked);
      void tracked.then(() => inFlight.delete(tracked));
      return sending;
    },
    async close(boundMs) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, boundMs);
      });
      await Promise.race([Promise.allSettled([...inFlight]), bound]);
      clearTimeout(timer);
      const abandoned = inFlight.size;
      aborts.abort();
      return abandoned;
    },
  };
}

async function loadSdk(settings: TelemetrySettings, serviceVersion: string | undefined): Promise<Loaded> {
  const [{ resourceFromAttributes }, transformer, metricsSdk] = await Promise.all([
    import('@opentelemetry/resources'),
    import('@opentelemetry/otlp-transformer'),
    settings.metricsUrl === null ? Promise.resolve(null) : import('@opentelemetry/sdk-metrics'),
  ]);
  const resource = resourceFromAttributes({
    'service.name': settings.serviceName,
    ...(serviceVersion === undefined ? {} : { 'service.version': serviceVersion }),
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  });
  if (!metricsSdk) return { resource, transformer, metrics: null };
  // Collected on demand, after each task: no periodic timer.
  class OnDemandReader extends metricsSdk.MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  }
  const reader = new OnDemandReader();
  const provider = new metricsSdk.MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter(SCOPE_NAME, serviceVersion, { schemaUrl: SCHEMA_URL });
  const histogram = (spec: { name: string; unit: string }, buckets: number[], description: string) =>
    meter.createHistogram(spec.name, {
      unit: spec.unit,
      description,
      advice: { explicitBucketBoundaries: buckets },
    });
  const counter = (spec: { name: string; unit: string }, description: string) =>
    meter.createCounter(spec.name, { unit: spec.unit, description });
  const instruments: Instruments = {
    tokenUsage: histogram(METRIC.tokenUsage, TOKEN_BUCKETS, 'Tokens per model call, by gen_ai.token.type.'),
    operationDuration: histogram(METRIC.operationDuration, DURATION_BUCKETS, 'Seconds per model call.'),
    costUsd: counter(METRIC.costUsd, 'What model calls cost, in USD.'),
    taskOutcomes: counter(METRIC.taskOutcomes, 'Finished tasks, by status.'),
    policyDecisions: counter(METRIC.policyDecisions, 'Policy decisions, by allow / ask / deny.'),
    breakerOpens: counter(METRIC.breakerOpens, 'Model calls refused because a circuit breaker was open.'),
  };
  return { resource, transformer, metrics: { provider, reader, instruments } };
}

const SPAN_KIND = { internal: 0, client: 2 } as const;
const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** The SDK's read-only span, as its serializers take it, from a span of the journal. */
function readableSpan(span: TelemetrySpan, resource: Resource, version: string | undefined): ReadableSpan {
  const context = (spanId: string) => ({ traceId: span.traceId, spanId, traceFlags: 1 });
  return {
    name: span.name,
    kind: SPAN_KIND[span.kind],
    spanContext: () => context(span.spanId),
    ...(span.parentSpanId === undefined ? {} : { parentSpanContext: context(span.parentSpanId) }),
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(span.endMs - span.startMs),
    status: {
      code: STATUS_CODE[span.status.code],
      ...(span.status.message === undefined ? {} : { message: span.status.message }),
    },
    attributes: span.attributes,
    links: [],
    events: span.events.map((event) => ({
      name: event.name,
      time: hrTime(event.atMs),
      attributes: event.attributes,
    })),
    ended: true,
    resource,
    instrumentationScope: { name: SCOPE_NAME, version, schemaUrl: SCHEMA_URL },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function hrTime(ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
