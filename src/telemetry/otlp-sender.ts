import http from 'node:http';
import https from 'node:https';
import { SystemError } from '../spec/errors.ts';

/** One OTLP/HTTP request: the serialized body and where it goes. */
export interface OtlpRequest {
  url: string;
  body: Uint8Array;
  contentType: 'application/x-protobuf' | 'application/json';
  headers: Record<string, string>;
}

export interface SendOptions {
  /** Milliseconds one attempt may take. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  attempts: number;
  /** Stops the send at once (the Warden closing): the request is destroyed, no retry follows. */
  signal: AbortSignal;
}

/** Waits before the second, third… attempt. */
const BACKOFF_MS = [500, 1500, 3000];

/**
 * Posts `request` to an OTLP/HTTP collector, retrying what the OTLP specification calls retryable
 * (a refused or reset connection, a timeout, 429, 502, 503, 504) a few times with backoff. A send in
 * flight keeps the process alive (a command waiting for it must not exit under it); aborting `signal`
 * ends it at once, request and timers alike, and connections are never kept alive after it.
 *
 * @throws SystemError `telemetry-failed` when the collector refused it, or the attempts ran out.
 */
export async function sendOtlp(request: OtlpRequest, options: SendOptions): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (attempt > 0) await pause(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!, options.signal);
    if (options.signal.aborted) break;
    const outcome = await postOnce(request, options);
    if (outcome.ok) return;
    last = outcome.problem;
    if (!outcome.retryable) break;
  }
  throw new SystemError(
    'telemetry-failed',
    `the collector at ${request.url} did not take it: ${last || 'aborted'}`,
    {
      isRetryable: true,
      hint: 'check that an OTLP/HTTP collector listens there (OTEL_EXPORTER_OTLP_ENDPOINT or telemetry.endpoint)',
    },
  );
}

type Outcome = { ok: true } | { ok: false; retryable: boolean; problem: string };

function postOnce(request: OtlpRequest, options: SendOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const url = new URL(request.url);
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        ...request.headers,
        'content-type': request.contentType,
        'content-length': String(request.body.byteLength),
      },
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      settle({ ok: false, retryable: true, problem: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    const onAbort = () => {
      outgoing.destroy();
      settle({ ok: false, retryable: false, problem: 'aborted' });
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, retryable: true, problem: error.code ?? error.message }),
    );
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 500) text += chunk;
      });
      response.on('error', () => settle({ ok: false, retryable: true, problem: 'the response broke off' }));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) settle({ ok: true });
        else
          settle({
            ok: false,
            retryable: [429, 502, 503, 504].includes(status),
            problem: `HTTP ${status}${text ? ` ${text.slice(0, 200).trim()}` : ''}`,
          });
      });
    });
    if (options.signal.aborted) onAbort();
    else outgoing.end(request.body);
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
