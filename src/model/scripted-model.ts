import { setTimeout as delay } from 'node:timers/promises';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { UserError } from '../spec/index.ts';
import type { ScriptedTurn } from './scripted-file.ts';

/** Characters per token used to estimate usage for turns whose file gives none. */
const CHARACTERS_PER_TOKEN = 4;

/**
 * A language model that replays a scripted file's turns in order, one per call, for offline demos and
 * tests. It speaks the AI SDK's `LanguageModelV3` interface, so everything above it runs unchanged.
 *
 * The turn replayed is the number of assistant replies already in the prompt, so a conversation rebuilt
 * from a journal continues where it stopped. Tool call ids are `call_1`, `call_2`, … counted across the
 * conversation. A turn without `usage` reports an
 * estimate: the prompt's characters (as JSON) / 4 in, the reply's characters / 4 out, and `usage.raw` is
 * `{ estimated: true, input_tokens, output_tokens }`; with `usage`, `raw` is the file's object as written
 * (any numbers, negative and huge included: the file may lie); with `usage: null` the reply reports none.
 * Constructing one does no I/O.
 */
export class ScriptedModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'scripted';
  /** The file's path, as the spec named it. */
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #turns: readonly ScriptedTurn[];
  readonly #latencyMs: number;

  /** `latencyMs`: how long each reply waits, as a real model's would (the file's `latencyMs`). */
  constructor(turns: readonly ScriptedTurn[], path: string, latencyMs = 0) {
    this.modelId = path;
    this.#turns = turns;
    this.#latencyMs = latencyMs;
  }

  /**
   * Replays the next turn.
   *
   * @throws UserError `scripted-turns-exhausted` when every turn has been replayed.
   */
  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    options.abortSignal?.throwIfAborted();
    if (this.#latencyMs > 0) await delay(this.#latencyMs, undefined, { signal: options.abortSignal });
    // The turn to replay is the number of replies already in the conversation, so a task resumed from
    // its journal continues where it stopped instead of starting the script over.
    const replies = options.prompt.filter((message) => message.role === 'assistant');
    let nextCallNumber =
      1 + replies.flatMap((message) => message.content).filter((part) => part.type === 'tool-call').length;
    const turn = this.#turnAt(replies.length);
    const content: LanguageModelV3Content[] = [];
    if (turn.text !== undefined) content.push({ type: 'text', text: turn.text });
    for (const call of turn.tool_calls ?? []) {
      content.push({
        type: 'tool-call',
        toolCallId: `call_${nextCallNumber++}`,
        toolName: call.name,
        input: JSON.stringify(call.input),
      });
    }
    const hasToolCalls = (turn.tool_calls?.length ?? 0) > 0;
    return {
      content,
      finishReason: hasToolCalls
        ? { unified: 'tool-calls', raw: 'tool_use' }
        : { unified: 'stop', raw: 'end_turn' },
      usage: usageOf(turn, options),
      warnings: [],
      response: { modelId: this.modelId },
    };
  }

  /** Replays the next turn as a stream of the same parts `doGenerate` returns. */
  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const result = await this.doGenerate(options);
    const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
    for (const [index, part] of result.content.entries()) {
      if (part.type === 'text') {
        const id = String(index);
        parts.push(
          { type: 'text-start', id },
          { type: 'text-delta', id, delta: part.text },
          { type: 'text-end', id },
        );
      } else if (part.type === 'tool-call') {
        parts.push(part);
      }
    }
    parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  }

  #turnAt(index: number): ScriptedTurn {
    const turn = this.#turns[index];
    if (turn === undefined) {
      throw new UserError(
        'scripted-turns-exhausted',
        `scripted model file ${this.modelId} has ${this.#turns.length} turns; the agent asked for turn ${index + 1}`,
        { hint: 'add turns to the file, or lower the step limit' },
      );
    }
    return turn;
  }
}

function usageOf(turn: ScriptedTurn, options: LanguageModelV3CallOptions): LanguageModelV3Usage {
  if (turn.usage === null) {
    // A reply that reports no usage at all, as a broken gateway might.
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  }
  const usage = turn.usage ?? estimateUsage(turn, options);
  const cacheRead = turn.usage?.cache_read_input_tokens ?? 0;
  const cacheWrite = turn.usage?.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: {
      total: usage.input_tokens + cacheRead + cacheWrite,
      noCache: usage.input_tokens,
      cacheRead,
      cacheWrite,
    },
    outputTokens: { total: usage.output_tokens, text: usage.output_tokens, reasoning: undefined },
    raw: { ...usage },
  };
}

function estimateUsage(turn: ScriptedTurn, options: LanguageModelV3CallOptions) {
  const promptCharacters = JSON.stringify(options.prompt).length;
  const replyCharacters =
    (turn.text?.length ?? 0) +
    (turn.tool_calls ?? []).reduce(
      (sum, call) => sum + call.name.length + JSON.stringify(call.input).length,
      0,
    );
  return {
    estimated: true,
    input_tokens: Math.ceil(promptCharacters / CHARACTERS_PER_TOKEN),
    output_tokens: Math.ceil(replyCharacters / CHARACTERS_PER_TOKEN),
  };
}
