/** A span attribute value as OpenTelemetry carries it. */
export type AttributeValue = string | number | boolean | string[];

export type Attributes = Record<string, AttributeValue>;

/**
 * One span derived from a task's journal, in plain data: no OpenTelemetry type, so the mapping from the
 * journal is tested (and read) without loading the SDK. Times are milliseconds since the epoch, taken
 * from the events' `at`.
 */
export interface TelemetrySpan {
  /** 32 hex digits; the same for every span of a task, derived from the task id. */
  traceId: string;
  /** 16 hex digits, derived from the task id and what the span is, so a re-export sends the same ids. */
  spanId: string;
  /** `undefined` for the task's root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: 'internal' | 'client';
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: Array<{ name: string; atMs: number; attributes: Attributes }>;
  status: { code: 'unset' | 'ok' | 'error'; message?: string | undefined };
}

/** One value recorded on a metric instrument (`METRIC` of `genai-conventions.ts`). */
export interface TelemetryMeasurement {
  metric:
    | 'tokenUsage'
    | 'operationDuration'
    | 'costUsd'
    | 'taskOutcomes'
    | 'policyDecisions'
    | 'breakerOpens';
  value: number;
  attributes: Record<string, string>;
}
