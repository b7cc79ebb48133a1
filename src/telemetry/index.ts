// Nothing here loads OpenTelemetry: the SDK is imported on the first export only.
export { SEMCONV_VERSION } from './genai-conventions.ts';
export { measurementsOfJournal } from './measurements-of-journal.ts';
export { type MetricsSource, prometheusText, storeMetricsText } from './prometheus-text.ts';
export { type SpanOptions, spansOfJournal, traceIdOf } from './spans-of-journal.ts';
export { createTelemetryExporter, type TelemetryExporter } from './telemetry-exporter.ts';
export { type TelemetryConfig, type TelemetrySettings, telemetrySettings } from './telemetry-settings.ts';
export type { TelemetryMeasurement, TelemetrySpan } from './telemetry-span.ts';
