import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OTLP/HTTP collector for tests, on 127.0.0.1: it decodes what it receives (OTLP/JSON as is,
 * OTLP/protobuf with the wire-format decoder below, written from opentelemetry-proto's field numbers)
 * into one plain shape. `mode: 'hang'` reads requests and never answers.
 */
export interface OtlpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Every span received, flattened. */
  spans(): ReceivedSpan[];
  /** Every metric data point received, flattened: name, attributes, value (sum) or count (histogram). */
  points(): Array<{ name: string; attributes: Record<string, unknown>; value?: number; count?: number }>;
  /** Resolves once `count` requests to `path` arrived; rejects after `timeoutMs`. */
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string }>;
}

export async function startOtlpReceiver(options: { mode?: 'ok' | 'hang' } = {}): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (options.mode === 'hang') {
        hanging.add(request);
        return;
      }
      const contentType = request.headers['content-type'] ?? '';
      const bytes = Buffer.concat(chunks);
      const path = request.url ?? '';
      const body = contentType.includes('json')
        ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>)
        : decodeMessage(bytes, path.endsWith('/v1/metrics') ? METRICS_REQUEST : TRACES_REQUEST);
      requests.push({ path, contentType, headers: request.headers, body });
      response.writeHead(200, { 'content-type': contentType }).end(contentType.includes('json') ? '{}' : '');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () =>
      requests.filter((one) => one.path.endsWith('/v1/traces')).flatMap((one) => flattenSpans(one.body)),
    points: () =>
      requests.filter((one) => one.path.endsWith('/v1/metrics')).flatMap((one) => flattenPoints(one.body)),
    waitFor(path, count = 1, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.filter((one) => one.path === path).length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${count} request(s) to ${path} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: connections to it are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function flattenSpans(body: Record<string, unknown>): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resource of list(body.resourceSpans))
    for (const scope of list(resource.scopeSpans))
      for (const span of list(scope.spans))
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: String(span.name),
          kind: Number(span.kind ?? 0),
          startNs: BigInt(String(span.startTimeUnixNano ?? 0)),
          endNs: BigInt(String(span.endTimeUnixNano ?? 0)),
          attributes: attributesOf(span.attributes),
          status: (span.status ?? {}) as ReceivedSpan['status'],
          events: list(span.events).map((event) => ({ name: String(event.name) })),
        });
  return spans;
}

function flattenPoints(body: Record<string, unknown>) {
  const points: Array<{ name: string; attributes: Record<string, unknown>; value?: number; count?: number }> =
    [];
  for (const resource of list(body.resourceMetrics))
    for (const scope of list(resource.scopeMetrics))
      for (const metric of list(scope.metrics)) {
        const name = String(metric.name);
        const sum = metric.sum as Record<string, unknown> | undefined;
        const histogram = metric.histogram as Record<string, unknown> | undefined;
        for (const point of list(sum?.dataPoints))
          points.push({
            name,
            attributes: attributesOf(point.attributes),
            value: Number(point.asDouble ?? point.asInt ?? 0),
          });
        for (const point of list(histogram?.dataPoints))
          points.push({ name, attributes: attributesOf(point.attributes), count: Number(point.count ?? 0) });
      }
  return points;
}

function list(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
}

function hex(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return typeof value === 'string' ? value : '';
}

function attributesOf(value: unknown): Record<string, unknown> {
  return Object.fromEntries(list(value).map((pair) => [String(pair.key), anyValue(pair.value)]));
}

function anyValue(value: unknown): unknown {
  const one = (value ?? {}) as Record<string, unknown>;
  if ('stringValue' in one) return one.stringValue;
  if ('boolValue' in one) return one.boolValue;
  if ('intValue' in one) return Number(one.intValue);
  if ('doubleValue' in one) return Number(one.doubleValue);
  if ('arrayValue' in one) return list((one.arrayValue as Record<string, unknown>).values).map(anyValue);
  return undefined;
}

// --- OTLP protobuf, decoded from the wire format with opentelemetry-proto's field numbers ---

type FieldType = 'string' | 'bytes' | 'varint' | 'fixed64' | 'double' | 'fixed32' | Schema;
type Schema = Record<number, [name: string, type: FieldType, repeated?: 'repeated']>;

const ANY_VALUE: Schema = {};
const KEY_VALUE: Schema = { 1: ['key', 'string'], 2: ['value', ANY_VALUE] };
Object.assign(ANY_VALUE, {
  1: ['stringValue', 'string'],
  2: ['boolValue', 'varint'],
  3: ['intValue', 'varint'],
  4: ['doubleValue', 'double'],
  5: ['arrayValue', { 1: ['values', ANY_VALUE, 'repeated'] }],
});
const ATTRIBUTES = ['attributes', KEY_VALUE, 'repeated'] as const;
const RESOURCE: Schema = { 1: [...ATTRIBUTES] };
const SCOPE: Schema = { 1: ['name', 'string'], 2: ['version', 'string'], 3: [...ATTRIBUTES] };
const SPAN: Schema = {
  1: ['traceId', 'bytes'],
  2: ['spanId', 'bytes'],
  4: ['parentSpanId', 'bytes'],
  5: ['name', 'string'],
  6: ['kind', 'varint'],
  7: ['startTimeUnixNano', 'fixed64'],
  8: ['endTimeUnixNano', 'fixed64'],
  9: [...ATTRIBUTES],
  11: ['events', { 1: ['timeUnixNano', 'fixed64'], 2: ['name', 'string'], 3: [...ATTRIBUTES] }, 'repeated'],
  15: ['status', { 2: ['message', 'string'], 3: ['code', 'varint'] }],
};
const TRACES_REQUEST: Schema = {
  1: [
    'resourceSpans',
    {
      1: ['resource', RESOURCE],
      2: [
        'scopeSpans',
        { 1: ['scope', SCOPE], 2: ['spans', SPAN, 'repeated'], 3: ['schemaUrl', 'string'] },
        'repeated',
      ],
    },
    'repeated',
  ],
};
const NUMBER_POINT: Schema = { 7: [...ATTRIBUTES], 4: ['asDouble', 'double'], 6: ['asInt', 'fixed64'] };
const HISTOGRAM_POINT: Schema = { 9: [...ATTRIBUTES], 4: ['count', 'fixed64'], 5: ['sum', 'double'] };
const METRIC: Schema = {
  1: ['name', 'string'],
  3: ['unit', 'string'],
  7: ['sum', { 1: ['dataPoints', NUMBER_POINT, 'repeated'], 3: ['isMonotonic', 'varint'] }],
  9: ['histogram', { 1: ['dataPoints', HISTOGRAM_POINT, 'repeated'] }],
};
const METRICS_REQUEST: Schema = {
  1: [
    'resourceMetrics',
    {
      1: ['resource', RESOURCE],
      2: ['scopeMetrics', { 1: ['scope', SCOPE], 2: ['metrics', METRIC, 'repeated'] }, 'repeated'],
    },
    'repeated',
  ],
};

/** Decodes one protobuf message by `schema`; unknown fields are skipped by wire type. */
export function decodeMessage(bytes: Uint8Array, schema: Schema): Record<string, unknown> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const message: Record<string, unknown> = {};
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    let raw: bigint | Uint8Array | number;
    if (wire === 0) raw = varint();
    else if (wire === 1) {
      raw = view.getBigUint64(at, true);
      at += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      raw = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 5) {
      raw = view.getUint32(at, true);
      at += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    const spec = schema[field];
    if (!spec) continue;
    const [name, type, repeated] = spec;
    let value: unknown;
    if (type === 'string') value = Buffer.from(raw as Uint8Array).toString('utf8');
    else if (type === 'bytes') value = raw;
    else if (type === 'varint') value = name === 'boolValue' ? raw !== 0n : Number(raw);
    else if (type === 'fixed64') value = (raw as bigint).toString();
    else if (type === 'double') {
      const buffer = new DataView(new ArrayBuffer(8));
      buffer.setBigUint64(0, raw as bigint, true);
      value = buffer.getFloat64(0, true);
    } else if (type === 'fixed32') value = raw;
    else value = decodeMessage(raw as Uint8Array, type);
    if (!repeated) message[name] = value;
    else if (Array.isArray(message[name])) message[name].push(value);
    else message[name] = [value];
  }
  return message;
}
