import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemError } from '../../src/spec/index.ts';

/**
 * A local HTTP server that speaks the Anthropic Messages API (`POST /v1/messages`) and the OpenAI Chat
 * Completions API (`POST /v1/chat/completions`), for testing model clients without a vendor. It replays
 * queued replies in order (whatever the route) and records every request it receives.
 */

/** One server-sent event. Anthropic names its events; OpenAI sends data only. */
export interface SseEvent {
  event?: string;
  data: string;
}

interface ReplyBase {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Injected latency: milliseconds to wait before answering. Default 0. */
  delayMs?: number;
  /** Never answer: the request hangs until the client gives up (or the server closes). */
  hang?: boolean;
  /** For a stream: send this many events, then reset the connection mid-reply. */
  cutAfterEvents?: number;
  /** For a whole body (JSON or text): send this many bytes of it, then reset the connection. */
  cutAfterBytes?: number;
}

/** What the server answers to one request. */
export type VendorReply =
  | (ReplyBase & { kind: 'json'; body: unknown })
  | (ReplyBase & { kind: 'text'; body: string; contentType?: string })
  | (ReplyBase & { kind: 'sse'; events: SseEvent[] });

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
}

export interface VendorServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash or `/v1`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Queues replies; each request takes the next one. A request with none queued gets a 500. */
  reply(...replies: VendorReply[]): void;
  /**
   * Answers every request for which `handler` returns a reply, before the queue is consulted (by model,
   * by path, a rate limit for the first N calls…); `undefined` falls through to the queue. Replaces any
   * earlier handler; `undefined` removes it.
   */
  respond(handler: ((request: RecordedRequest) => VendorReply | undefined) | undefined): void;
  /** Replies still queued (a test that queued too many has a bug). */
  readonly pending: number;
  close(): Promise<void>;
}

const ROUTES = new Set(['/v1/messages', '/v1/chat/completions']);

/** Starts a vendor server on 127.0.0.1 on a free port. */
export async function startVendorServer(): Promise<VendorServer> {
  const requests: RecordedRequest[] = [];
  const queue: VendorReply[] = [];
  let handler: ((request: RecordedRequest) => VendorReply | undefined) | undefined;

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : undefined);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = parseBody(text);
    const recorded = { method: request.method ?? '', path, headers: flattenHeaders(request), body };
    requests.push(recorded);
    const handled = handler?.(recorded);
    if (handled !== undefined) return send(response, handled);
    if (request.method !== 'POST' || !ROUTES.has(path)) {
      return send(
        response,
        jsonReply(404, { error: { message: `vendor server: no route ${request.method} ${path}` } }),
      );
    }
    const reply = queue.shift();
    if (reply === undefined) {
      return send(
        response,
        jsonReply(500, { error: { message: `vendor server: no reply queued for ${path}` } }),
      );
    }
    const wantsStream = typeof body === 'object' && body !== null && 'stream' in body && body.stream === true;
    if (wantsStream !== isStream(reply) && (reply.status ?? 200) < 300) {
      const problem = wantsStream ? 'asked for a stream; the queued reply is not one' : 'queued a stream';
      return send(response, jsonReply(500, { error: { message: `vendor server: the request ${problem}` } }));
    }
    await send(response, reply);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(...replies) {
      queue.push(...replies);
    },
    respond(next) {
      handler = next;
    },
    get pending() {
      return queue.length;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function send(response: ServerResponse, reply: VendorReply): Promise<void> {
  if (reply.hang) return;
  if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  const status = reply.status ?? 200;
  if (reply.kind === 'json' || reply.kind === 'text') {
    const body = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.body;
    const contentType =
      reply.kind === 'text' ? (reply.contentType ?? 'application/json') : 'application/json';
    response.writeHead(status, { 'content-type': contentType, ...reply.headers });
    if (reply.cutAfterBytes === undefined) {
      response.end(body);
      return;
    }
    // Flush the first part, then reset: the client sees a body that stops halfway.
    await new Promise<void>((resolve) =>
      response.write(Buffer.from(body).subarray(0, reply.cutAfterBytes), () => resolve()),
    );
    response.socket?.resetAndDestroy();
  } else {
    response.writeHead(status, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...reply.headers,
    });
    for (const [index, event] of reply.events.entries()) {
      if (index === reply.cutAfterEvents) {
        // Flush what was written, then reset: the client sees a stream that stops mid-reply.
        await new Promise<void>((resolve) => response.write('', () => resolve()));
        response.socket?.resetAndDestroy();
        return;
      }
      response.write(`${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`);
    }
    response.end();
  }
}

function isStream(reply: VendorReply): boolean {
  return reply.kind === 'sse' || (reply.kind === 'text' && reply.contentType === 'text/event-stream');
}

function jsonReply(status: number, body: unknown): VendorReply {
  return { kind: 'json', status, body };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
}

// Fixtures: recorded wire traffic under test/fixtures/vendor-wire (see its README and NOTICE).

const FIXTURES = new URL('../fixtures/vendor-wire/', import.meta.url);

/** The text of a fixture, e.g. `anthropic/anthropic-text.json`. */
export function readFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** A recorded `.json` response body, replayed with `status` (default 200). */
export function jsonFixture(name: string, status = 200): VendorReply {
  return { kind: 'json', status, body: JSON.parse(readFixture(name)) };
}

/** A recorded Anthropic stream (`.chunks.txt`), replayed as SSE with each event named by its `type`. */
export function anthropicStreamFixture(name: string): VendorReply {
  const events = chunkLines(name).map((data) => {
    const parsed: unknown = JSON.parse(data);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !('type' in parsed) ||
      typeof parsed.type !== 'string'
    ) {
      throw new SystemError('usage', `fixture ${name}: a chunk has no "type": ${data.slice(0, 80)}`);
    }
    return { event: parsed.type, data };
  });
  return { kind: 'sse', events };
}

/** A recorded OpenAI-style stream (`.chunks.txt`), replayed as SSE and ended with `data: [DONE]`. */
export function openaiStreamFixture(name: string): VendorReply {
  return { kind: 'sse', events: [...chunkLines(name).map((data) => ({ data })), { data: '[DONE]' }] };
}

/** A recorded raw SSE stream (`.sse`), replayed byte for byte. */
export function sseFixture(name: string): VendorReply {
  return { kind: 'text', body: readFixture(name), contentType: 'text/event-stream' };
}

/** An Anthropic error reply (`{"type":"error","error":{type,message}}`), e.g. 429 `rate_limit_error`. */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers?: Record<string, string>,
): VendorReply {
  return { kind: 'json', status, headers, body: { type: 'error', error: { type, message } } };
}

/** An OpenAI error reply (`{"error":{message,type,param,code}}`). */
export function openaiError(
  status: number,
  type: string,
  message: string,
  headers?: Record<string, string>,
): VendorReply {
  return { kind: 'json', status, headers, body: { error: { message, type, param: null, code: type } } };
}

function chunkLines(name: string): string[] {
  return readFixture(name)
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * An OpenAI Chat Completions stream (as OpenAI, vLLM, Ollama and llama.cpp send it) of one reply: its
 * text, its tool calls (`arguments` sent as given, valid JSON or not) and its usage, ended by `[DONE]`.
 */
export function openaiChatStream(reply: {
  text?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}): VendorReply {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    data: JSON.stringify({
      id: 'chatcmpl-local',
      object: 'chat.completion.chunk',
      created: 1_770_000_000,
      model: 'local',
      choices,
      ...extra,
    }),
  });
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  if (reply.text) events.push(chunk([{ index: 0, delta: { content: reply.text }, finish_reason: null }]));
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    const function_ = { name: call.name, arguments: call.arguments };
    const delta = { tool_calls: [{ index, id: call.id, type: 'function', function: function_ }] };
    events.push(chunk([{ index: 0, delta, finish_reason: null }]));
  }
  const finish = reply.toolCalls?.length ? 'tool_calls' : 'stop';
  events.push(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
  const usage = reply.usage ?? { prompt_tokens: 100, completion_tokens: 10 };
  events.push(
    chunk([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
  );
  return { kind: 'sse', events: [...events, { data: '[DONE]' }] };
}
