import { ENV, type Environment } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';

/** The `telemetry:` section of the config, as this module reads it. */
export interface TelemetryConfig {
  endpoint: string | null;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  captureContent: boolean;
  serviceName: string;
}

/** Where and how spans and metrics go, resolved from the environment and the config. */
export interface TelemetrySettings {
  /** The full URL of the traces endpoint (`…/v1/traces`). */
  tracesUrl: string;
  /** The full URL of the metrics endpoint; `null` when only a traces URL was given. */
  metricsUrl: string | null;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  captureContent: boolean;
  serviceName: string;
  /** Milliseconds one attempt of a send may take. */
  timeoutMs: number;
}

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/**
 * The telemetry settings in force, or `null` when nothing names a collector (no export at all, and
 * nothing of OpenTelemetry is loaded). The standard `OTEL_*` variables win over the config, field by
 * field: the config is checked in with the code, the environment is where an operator points one
 * deployment at its own collector. `OTEL_SDK_DISABLED=true` turns export off.
 *
 * @throws UserError `config-invalid` for an endpoint that is not an http(s) URL, a protocol other than
 *   `http/protobuf` and `http/json` (gRPC is not supported), or malformed `OTEL_EXPORTER_OTLP_HEADERS`.
 */
export function telemetrySettings(config: TelemetryConfig, env: Environment): TelemetrySettings | null {
  if (env[ENV.otelSdkDisabled]?.trim().toLowerCase() === 'true') return null;
  const base = nonEmpty(env[ENV.otlpEndpoint]) ?? config.endpoint ?? undefined;
  const tracesEnv = nonEmpty(env[ENV.otlpTracesEndpoint]);
  const metricsEnv = nonEmpty(env[ENV.otlpMetricsEndpoint]);
  if (base === undefined && tracesEnv === undefined) return null;
  const tracesUrl = tracesEnv ?? signalUrl(base!, 'traces');
  const metricsUrl = metricsEnv ?? (base === undefined ? null : signalUrl(base, 'metrics'));
  for (const [name, url] of [
    [tracesEnv ? ENV.otlpTracesEndpoint : 'the telemetry endpoint', tracesUrl],
    [metricsEnv ? ENV.otlpMetricsEndpoint : 'the telemetry endpoint', metricsUrl],
  ] as const) {
    if (url !== null && !/^https?:\/\/[^/]/.test(url))
      throw new UserError('config-invalid', `${name}: ${JSON.stringify(url)} is not an http(s) URL`, {
        hint: `set ${ENV.otlpEndpoint} (or telemetry.endpoint) to the collector's OTLP/HTTP address, e.g. http://127.0.0.1:4318`,
      });
  }
  const protocol = nonEmpty(env[ENV.otlpProtocol]) ?? config.protocol;
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw new UserError(
      'config-invalid',
      `${ENV.otlpProtocol}: ${JSON.stringify(protocol)} is not supported; use http/protobuf or http/json`,
      {
        hint: 'Warden sends OTLP over HTTP only; point it at the collector’s HTTP port (4318), not gRPC (4317)',
      },
    );
  const timeout = nonEmpty(env[ENV.otlpTimeout]);
  const timeoutMs = timeout === undefined ? 10_000 : Number(timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UserError(
      'config-invalid',
      `${ENV.otlpTimeout}: ${JSON.stringify(timeout)} is not a positive number of milliseconds`,
    );
  const capture = nonEmpty(env[ENV.otelCaptureContent])?.toLowerCase();
  return {
    tracesUrl,
    metricsUrl,
    protocol: protocol as TelemetrySettings['protocol'],
    headers: { ...config.headers, ...parseHeaders(env[ENV.otlpHeaders]) },
    captureContent: capture === undefined ? config.captureContent : capture === 'true',
    serviceName: nonEmpty(env[ENV.otelServiceName]) ?? config.serviceName,
    timeoutMs,
  };
}

/** `base` with `/v1/traces` or `/v1/metrics` appended, as the OTLP exporter specification does. */
function signalUrl(base: string, signal: 'traces' | 'metrics'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by commas, values URL-encoded. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    const key = pair.slice(0, equals).trim();
    if (equals < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key))
      throw new UserError(
        'config-invalid',
        `${ENV.otlpHeaders}: ${JSON.stringify(pair.trim())} is not key=value`,
        {
          hint: 'write it as key=value,key2=value2 with URL-encoded values',
        },
      );
    try {
      headers[key] = decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      throw new UserError('config-invalid', `${ENV.otlpHeaders}: the value of ${key} is not URL-encoded`);
    }
  }
  return headers;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
