import type { ModelMessage, ToolModelMessage } from 'ai';
import type { ModelTool } from '../../model/index.ts';
import type { SerializedSizes } from './serialized-sizes.ts';

/** An agent's compaction (`agent.compaction` of the config). */
export interface CompactionSettings {
  /** Estimated prompt tokens at which, before a model call, old tool outputs are replaced by stubs. */
  triggerTokens: number;
  /** Newest model turns (an assistant reply and what follows it) whose tool outputs are kept whole. */
  keepRecentTurns: number;
}

/** A compaction that is worth making: the new conversation and what it changed. */
export interface Compaction {
  messages: ModelMessage[];
  /** Tool call ids whose outputs became stubs, in conversation order. */
  dropped: string[];
  tokensBefore: number;
  tokensAfter: number;
}

/** Characters per token of the estimate (the scripted model's too). */
const CHARACTERS_PER_TOKEN = 4;

/**
 * Outputs no longer than this stay: a stub would save little, and short results (an error, "wrote 12
 * bytes") are what the model most often still needs. A stub is always shorter (its input is capped).
 */
const MIN_DROPPED_CHARS = 1024;

/** Characters of a call's input (as JSON) its stub quotes. */
const STUB_INPUT_CHARS = 200;

/**
 * A compaction frees at least this share of `triggerTokens`, or waits: each one changes the prompt from
 * its first stub on, which costs a cache write of everything after it, so it is done seldom and in one
 * large block rather than a little at every step.
 */
const MIN_SAVED_SHARE = 0.25;

/** The prompt's estimated tokens: characters / 4 of the system prompt, the tool schemas and the messages. */
export function estimateTokens(
  request: { system: string; messages: readonly ModelMessage[]; tools: Record<string, ModelTool> },
  sizes: SerializedSizes,
): number {
  const bytes =
    Buffer.byteLength(request.system, 'utf8') + sizes.of(request.tools) + sizes.ofArray(request.messages);
  return Math.ceil(bytes / CHARACTERS_PER_TOKEN);
}

/**
 * The compaction to make before model call `step`, or undefined when none is due. One is due when the
 * prompt's estimate reaches `triggerTokens`: every text output longer than 1 KB of a tool call older than
 * the `keepRecentTurns` newest turns becomes a stub (`toolResultStub`); the task, every assistant turn
 * (its text and tool calls: the decisions), other users' messages and the recent turns stay byte for
 * byte, and every tool call keeps a result. It is not due either when it would free less than a quarter
 * of `triggerTokens` (see `MIN_SAVED_SHARE`).
 *
 * Pure: it depends only on its arguments, so a resumed task decides as the interrupted one did.
 */
export function planCompaction(
  request: { system: string; messages: readonly ModelMessage[]; tools: Record<string, ModelTool> },
  settings: CompactionSettings,
  step: number,
  sizes: SerializedSizes,
): Compaction | undefined {
  const tokensBefore = estimateTokens(request, sizes);
  if (tokensBefore < settings.triggerTokens) return undefined;
  const { messages } = request;
  const kept = firstKeptIndex(messages, settings.keepRecentTurns);
  const dropped: string[] = [];
  for (const message of messages.slice(0, kept)) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result') continue;
      const { output } = part;
      if (
        (output.type === 'text' || output.type === 'error-text') &&
        output.value.length > MIN_DROPPED_CHARS
      ) {
        dropped.push(part.toolCallId);
      }
    }
  }
  if (dropped.length === 0) return undefined;
  const compacted = stubToolResults(messages, dropped, step);
  const tokensAfter = estimateTokens({ ...request, messages: compacted }, sizes);
  if (tokensBefore - tokensAfter < settings.triggerTokens * MIN_SAVED_SHARE) return undefined;
  return { messages: compacted, dropped, tokensBefore, tokensAfter };
}

/**
 * `messages` with the outputs of the tool calls in `dropped` replaced by stubs made at model call
 * `step`. Messages it does not change are the same objects; a changed one is a new object (a message
 * once sent is never edited). Used by the loop and by the journal's replay alike.
 */
export function stubToolResults(
  messages: readonly ModelMessage[],
  dropped: Iterable<string>,
  step: number,
): ModelMessage[] {
  const ids = new Set(dropped);
  if (ids.size === 0) return [...messages];
  const inputs = new Map<string, unknown>();
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') inputs.set(part.toolCallId, part.input);
    }
  }
  return messages.map((message): ModelMessage => {
    if (message.role !== 'tool') return message;
    if (!message.content.some((part) => part.type === 'tool-result' && ids.has(part.toolCallId))) {
      return message;
    }
    const content: ToolModelMessage['content'] = message.content.map((part) => {
      if (part.type !== 'tool-result' || !ids.has(part.toolCallId)) return part;
      const { output } = part;
      if (output.type !== 'text' && output.type !== 'error-text') return part;
      const value = toolResultStub(
        part.toolName,
        part.toolCallId,
        inputs.get(part.toolCallId),
        output.value.length,
        step,
      );
      return { ...part, output: { type: output.type, value } };
    });
    return { ...message, content };
  });
}

/**
 * What the model sees instead of a dropped output: the tool, its input (cut to 200 characters), when it
 * was dropped and how long it was, and how to see it again (`recall_output`, which a compacting loop
 * always has, reads it back from the journal).
 */
export function toolResultStub(
  toolName: string,
  toolCallId: string,
  input: unknown,
  outputChars: number,
  step: number,
): string {
  const json = JSON.stringify(input ?? {}) ?? '{}';
  const quoted = json.length > STUB_INPUT_CHARS ? `${json.slice(0, STUB_INPUT_CHARS)}…` : json;
  return `[${toolName.slice(0, 64)} ${quoted}: output dropped at step ${step} (${outputChars} chars) to keep the context small; recall_output {"call_id":${JSON.stringify(toolCallId.slice(0, 200))}} shows it again]`;
}

/**
 * Index of the first message of the `turns` newest turns (a turn begins with an assistant message);
 * `messages.length` when there are no turns to keep, 0 when there are no older ones.
 */
function firstKeptIndex(messages: readonly ModelMessage[], turns: number): number {
  if (turns <= 0) return messages.length;
  let seen = 0;
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    if (messages[index]!.role === 'assistant') {
      seen += 1;
      if (seen === turns) return index;
    }
  }
  return 0;
}
