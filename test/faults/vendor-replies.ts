import type { SseEvent, VendorReply } from '../support/vendor-server.ts';

/**
 * Replies of one model call in either vendor wire format (Anthropic Messages, OpenAI Chat Completions),
 * streamed (SSE) or whole (JSON), with whatever usage a test wants a vendor to claim, none included.
 */

export type Wire = 'anthropic' | 'openai';

export interface ReplyContent {
  text?: string;
  /** `arguments` is sent as given, valid JSON or not. */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** Input and output tokens as the vendor claims them; `null`: the reply says nothing about usage. */
  usage?: { input: number; output: number } | null;
}

const HONEST = { input: 1200, output: 40 };

/** The reply streamed as the vendor streams it, ended as the vendor ends it. */
export function streamReply(wire: Wire, content: ReplyContent): VendorReply & { kind: 'sse' } {
  return { kind: 'sse', events: wire === 'anthropic' ? anthropicEvents(content) : openaiEvents(content) };
}

/** The same reply, its events after the first `keep` dropped and the stream ended cleanly there. */
export function streamEndingEarly(wire: Wire, content: ReplyContent, keep: number): VendorReply {
  const reply = streamReply(wire, content);
  return { ...reply, events: reply.events.slice(0, keep) };
}

/** The reply as one JSON body (a call that is not streamed). */
export function wholeReply(wire: Wire, content: ReplyContent): VendorReply {
  const usage = content.usage === undefined ? HONEST : content.usage;
  const calls = content.toolCalls ?? [];
  if (wire === 'anthropic') {
    const blocks: unknown[] = content.text ? [{ type: 'text', text: content.text }] : [];
    for (const call of calls) {
      blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) });
    }
    return {
      kind: 'json',
      body: {
        id: 'msg_local',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: blocks,
        stop_reason: calls.length ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        ...(usage ? { usage: { input_tokens: usage.input, output_tokens: usage.output } } : {}),
      },
    };
  }
  return {
    kind: 'json',
    body: {
      id: 'chatcmpl-local',
      object: 'chat.completion',
      created: 1_770_000_000,
      model: 'gpt-5.4-mini',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: content.text ?? null,
            ...(calls.length
              ? {
                  tool_calls: calls.map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: calls.length ? 'tool_calls' : 'stop',
        },
      ],
      ...(usage
        ? {
            usage: {
              prompt_tokens: usage.input,
              completion_tokens: usage.output,
              total_tokens: usage.input + usage.output,
            },
          }
        : {}),
    },
  };
}

/** A vendor error (`429` `rate_limit_error`, `500` `api_error`…) in the wire's own error shape. */
export function errorReply(wire: Wire, status: number, headers?: Record<string, string>): VendorReply {
  const type = status === 429 ? 'rate_limit_error' : 'api_error';
  const message = status === 429 ? 'slow down' : 'internal server error';
  const body =
    wire === 'anthropic'
      ? { type: 'error', error: { type, message } }
      : { error: { message, type, param: null, code: type } };
  return { kind: 'json', status, body, ...(headers ? { headers } : {}) };
}

function anthropicEvents(content: ReplyContent): SseEvent[] {
  const usage = content.usage === undefined ? HONEST : content.usage;
  const event = (data: Record<string, unknown>): SseEvent => ({
    event: String(data.type),
    data: JSON.stringify(data),
  });
  const events = [
    event({
      type: 'message_start',
      message: {
        id: 'msg_local',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(usage ? { usage: { input_tokens: usage.input, output_tokens: 1 } } : {}),
      },
    }),
  ];
  let index = 0;
  if (content.text) {
    events.push(event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    events.push(
      event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: content.text } }),
    );
    events.push(event({ type: 'content_block_stop', index }));
    index += 1;
  }
  for (const call of content.toolCalls ?? []) {
    events.push(
      event({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    events.push(
      event({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: call.arguments },
      }),
    );
    events.push(event({ type: 'content_block_stop', index }));
    index += 1;
  }
  events.push(
    event({
      type: 'message_delta',
      delta: { stop_reason: content.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null },
      ...(usage ? { usage: { output_tokens: usage.output } } : {}),
    }),
  );
  events.push(event({ type: 'message_stop' }));
  return events;
}

function openaiEvents(content: ReplyContent): SseEvent[] {
  const usage = content.usage === undefined ? HONEST : content.usage;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
    data: JSON.stringify({
      id: 'chatcmpl-local',
      object: 'chat.completion.chunk',
      created: 1_770_000_000,
      model: 'gpt-5.4-mini',
      choices,
      ...extra,
    }),
  });
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  if (content.text) events.push(chunk([{ index: 0, delta: { content: content.text }, finish_reason: null }]));
  for (const [index, call] of (content.toolCalls ?? []).entries()) {
    const function_ = { name: call.name, arguments: call.arguments };
    const delta = { tool_calls: [{ index, id: call.id, type: 'function', function: function_ }] };
    events.push(chunk([{ index: 0, delta, finish_reason: null }]));
  }
  const finish = content.toolCalls?.length ? 'tool_calls' : 'stop';
  events.push(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
  if (usage) {
    const counts = {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    };
    events.push(chunk([], { usage: counts }));
  }
  return [...events, { data: '[DONE]' }];
}
