import { basename } from 'node:path';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { JSONSchema7, LanguageModelUsage, ModelMessage, ToolSet } from 'ai';
import type { Environment, ToolCall } from '../spec/index.ts';
import { UserError } from '../spec/index.ts';
import type { ModelClient, ModelRequest, ModelTool } from '../spec/model.ts';
import { type BatchSettings, createBatchFetch } from './internal/batch-fetch.ts';
import { withAnthropicCacheBreakpoints } from './internal/cache-layout.ts';
import type { CallContext } from './internal/map-model-error.ts';
import { normalizeUsage } from './internal/normalize-usage.ts';
import { createTimedFetch } from './internal/timed-fetch.ts';
import { ValidatedMessages } from './internal/validated-messages.ts';
import type { ModelSpec } from './model-spec.ts';

import { parseModelSpec } from './model-spec.ts';
import type { PriceTable } from './price-table.ts';
import { costOf, loadPriceTable, priceFor, UNPRICED_KEY } from './price-table.ts';
import { readScriptedFile, scriptedTurnsFor } from './scripted-file.ts';
import { ScriptedModel } from './scripted-model.ts';

/** The AI SDK, imported when the first client is made: commands that never call a model never load it. */
type Sdk = typeof import('ai');

/** Time limits of one vendor call. */
export interface ModelTimeouts {
  firstByteMs: number;
  totalMs: number;
  /** Where each limit was set, for the error (`provider.timeouts.firstByteMs`). */
  firstByteField: string;
  totalField: string;
}

export interface ModelClientOptions {
  /** `anthropic:MODEL`, `openai:MODEL`, `openai-compatible:MODEL@BASE_URL` or `scripted:PATH`. */
  spec: string | ModelSpec;
  /** Where keys and base URLs come from (see `ENV`). */
  env: Environment;
  /** Default: the table shipped with Warden. */
  priceTable?: PriceTable;
  /** Replaces `fetch` for vendor calls (tests, proxies). */
  fetch?: typeof globalThis.fetch;
  /** Stream the reply (SSE) instead of waiting for one body; the result is the same. Default false. */
  streaming?: boolean;
  /**
   * Time limits of each vendor call (not of a batch); a call past one fails with a retryable
   * `ModelCallError` naming the limit. `firstByteMs` applies only to a streamed call. Undefined: none.
   */
  timeouts?: ModelTimeouts | undefined;
  /**
   * Send every call through the vendor's batch API at the batch price, waiting durably (Anthropic and
   * OpenAI; not streamed). Undefined: synchronous calls. With a scripted model or an openai-compatible
   * server (no batch API) it is a `config-invalid` error, never a quiet call at the full price.
   */
  batch?: BatchSettings | undefined;
  /**
   * Who speaks, for a scripted model: a pipeline stage's name. Its turns are the file's
   * `roles.<role>.turns`, else its top-level `turns`. Ignored by vendor models.
   */
  role?: string | undefined;
}

/**
 * Creates a model client. Reads the file of a `scripted:` spec; makes no vendor call.
 *
 * A scripted file's `model` names the price key it is charged as; without one the key is
 * {@link UNPRICED_KEY} and every turn costs 0. Vendor models are keyed `provider:model`
 * (`openai-compatible:llama3` for `openai-compatible:llama3@http://…`).
 *
 * @throws UserError `model-spec-invalid`, `model-key-missing` (naming the variable), `price-unknown`
 *   (the model has no price: a call would have no cost), `path-not-found`, `scripted-file-invalid`, or
 *   `config-invalid` when `batch` is asked of a model with no batch API.
 */
export async function createModelClient(options: ModelClientOptions): Promise<ModelClient> {
  const spec = typeof options.spec === 'string' ? parseModelSpec(options.spec) : options.spec;
  // The SDK loads while the caller goes on (a task makes its workspace meanwhile); the first call waits
  // for it, and is the one to report a failed load.
  const loading = Promise.all([import('ai'), import('./internal/map-model-error.ts')]);
  loading.catch(() => {});
  const priceTable = options.priceTable ?? loadPriceTable();
  let model: LanguageModelV3;
  let label: string;
  let priceKey: string;
  let context: CallContext;
  if (options.batch && (spec.provider === 'scripted' || spec.provider === 'openai-compatible')) {
    // Fail rather than quietly call at full price what the operator asked to batch at half.
    const what = spec.provider === 'scripted' ? 'a scripted model' : 'an openai-compatible server';
    throw new UserError(
      'config-invalid',
      `agent.batch is true, but ${spec.text} is ${what}, which has no batch API`,
      {
        hint: 'set agent.batch to false, or use anthropic: or openai: models (they have batch APIs)',
      },
    );
  }
  if (spec.provider === 'scripted') {
    const script = await readScriptedFile(spec.path);
    model = new ScriptedModel(scriptedTurnsFor(script, spec.path, options.role), spec.path, script.latencyMs);
    priceKey = script.model ?? UNPRICED_KEY;
    const role = options.role && script.roles?.[options.role] ? ` as ${options.role}` : '';
    label = `scripted:${basename(spec.path)}${role} (${script.model ? `priced as ${script.model}` : 'unpriced'})`;
    context = { label, keyVariable: undefined };
  } else {
    let fetch = options.fetch;
    if (options.batch && spec.provider !== 'openai-compatible') {
      fetch = createBatchFetch(spec.provider, options.fetch ?? globalThis.fetch, options.batch);
    } else if (options.timeouts) {
      const streamed = options.streaming === true;
      fetch = createTimedFetch(
        options.fetch ?? globalThis.fetch,
        {
          firstByteMs: streamed ? options.timeouts.firstByteMs : undefined,
          totalMs: options.timeouts.totalMs,
          firstByteField: options.timeouts.firstByteField,
          totalField: options.timeouts.totalField,
        },
        spec.text,
      );
    }
    const { createVendorModel } = await import('./internal/vendor-model.ts');
    const vendor = await createVendorModel(spec, options.env, fetch);
    model = vendor.model;
    priceKey = `${spec.provider}:${spec.model}`;
    label = spec.text;
    context = { label, keyVariable: vendor.keyVariable };
  }
  if (priceKey !== UNPRICED_KEY && !Object.hasOwn(priceTable.models, priceKey)) {
    throw priceMissing(priceTable, priceKey, spec);
  }
  const unpriced = priceKey !== UNPRICED_KEY && priceFor(priceTable, priceKey).unpriced === true;
  const batch = options.batch !== undefined;
  // A scripted model has no wire to watch: streaming it would only add work.
  const call = options.streaming && !batch && spec.provider !== 'scripted' ? callStreaming : callOnce;
  const validated = new ValidatedMessages();

  return {
    label,
    priceKey,
    provider: spec.provider,
    ...(unpriced ? { unpriced } : {}),
    async generate(request) {
      const [sdk, { mapModelError }] = await loading;
      const started = performance.now();
      let reply: Reply;
      try {
        reply = await call(sdk, model, request, validated);
      } catch (error) {
        throw mapModelError(error, context);
      }
      const latencyMs = Math.round(performance.now() - started);
      const usage = normalizeUsage(reply.usage);
      return {
        text: reply.text,
        toolCalls: reply.toolCalls.map((toolCall) => toToolCall(sdk, toolCall)),
        finishReason: reply.finishReason,
        usage,
        rawUsage: reply.usage.raw,
        cost: costOf(priceTable, priceKey, usage, { batch }),
        latencyMs,
        // The SDK answers calls to unknown tools itself with a `tool` message; the caller answers every
        // call, so only the assistant message is kept.
        responseMessages: reply.messages.filter((message) => message.role === 'assistant'),
        batch,
      };
    },
  };
}

interface SdkToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalid?: boolean;
  error?: unknown;
}

/**
 * A tool call as Warden keeps it. Arguments that were not JSON stay the raw text the model sent, with
 * the reason, so the model is told what it sent (the SDK's own message would show them as `{}`).
 */
function toToolCall(sdk: Sdk, call: SdkToolCall): ToolCall {
  const toolCall: ToolCall = { id: call.toolCallId, name: call.toolName, input: call.input };
  const cause = call.error instanceof Error ? call.error.cause : undefined;
  if (call.invalid && typeof call.input === 'string' && sdk.JSONParseError.isInstance(cause)) {
    const reason = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    toolCall.inputError = `the arguments are not valid JSON${reason}`;
  }
  return toolCall;
}

/** `price-unknown`, with the config that would price the model (or let it run unpriced). */
function priceMissing(table: PriceTable, key: string, spec: ModelSpec): UserError {
  // A self-hosted model usually costs nothing per token; a vendor's model must never be guessed at $0.
  const selfHosted = spec.provider === 'openai-compatible';
  const prices = selfHosted
    ? 'inputPerMTok: 0\n    outputPerMTok: 0'
    : "inputPerMTok: 3.0   # the vendor's price\n    outputPerMTok: 15.0";
  const snippet = `models:\n  "${key}":\n    ${prices}`;
  const unpriced = selfHosted
    ? '; or, to run it at $0 labelled unpriced (token limits still apply):\npricing:\n  allowUnpriced: true'
    : '';
  return new UserError('price-unknown', `no price for model ${key} in price table ${table.version}`, {
    hint: `declare its price (USD per million tokens) in the config:\n${snippet}${unpriced}\n(or point pricing.tablePath at a table that lists it)`,
  });
}

interface Reply {
  text: string;
  toolCalls: SdkToolCall[];
  finishReason: string;
  usage: LanguageModelUsage;
  messages: ModelMessage[];
}

/**
 * The SDK's settings for one call. `messages` holds only what `validated` has not seen (the SDK checks
 * those as always); `prepareStep` gives the call's one step the whole conversation, which is what is sent.
 */
function settingsOf(sdk: Sdk, model: LanguageModelV3, request: ModelRequest, validated: ValidatedMessages) {
  // Anthropic caches only where asked: Warden places the breakpoints. OpenAI caches any repeated prefix
  // by itself, which the agent loop keeps byte-stable (it only appends).
  const anthropic = model.provider.startsWith('anthropic');
  const messages = anthropic
    ? withAnthropicCacheBreakpoints(request.system, request.messages)
    : request.messages;
  return {
    model,
    system: anthropic ? undefined : request.system,
    messages: validated.unchecked(messages),
    prepareStep: () => ({ messages }),
    // The only system message is Warden's own system prompt, moved there to carry its breakpoint.
    allowSystemInMessages: anthropic,
    tools: toolSetOf(sdk, request.tools),
    maxOutputTokens: request.maxOutputTokens,
    abortSignal: request.abortSignal,
    maxRetries: 0,
  };
}

async function callOnce(
  sdk: Sdk,
  model: LanguageModelV3,
  request: ModelRequest,
  validated: ValidatedMessages,
): Promise<Reply> {
  const settings = settingsOf(sdk, model, request, validated);
  const result = await sdk.generateText(settings);
  validated.add(settings.messages);
  return {
    text: result.text,
    toolCalls: result.toolCalls,
    finishReason: result.finishReason,
    usage: result.usage,
    messages: result.response.messages,
  };
}

async function callStreaming(
  sdk: Sdk,
  model: LanguageModelV3,
  request: ModelRequest,
  validated: ValidatedMessages,
): Promise<Reply> {
  // Errors arrive as stream parts; the first one is the one to report.
  let failure: { error: unknown } | undefined;
  const settings = settingsOf(sdk, model, request, validated);
  const result = sdk.streamText({ ...settings, onError: () => {} });
  for await (const part of result.fullStream) {
    if (part.type === 'error' && failure === undefined) failure = { error: part.error };
  }
  if (failure !== undefined) throw failure.error;
  const [text, toolCalls, finishReason, rawFinishReason, usage, response] = await Promise.all([
    result.text,
    result.toolCalls,
    result.finishReason,
    result.rawFinishReason,
    result.usage,
    result.response,
  ]);
  // A vendor always says why a reply ended (Anthropic's `stop_reason`, OpenAI's `finish_reason`). A
  // stream that closed cleanly without saying it was cut on the way (a proxy, a dropped upstream): its
  // text is half a reply and its usage is missing, so it is a retryable failure, not a short answer.
  if (rawFinishReason === undefined) {
    throw new sdk.InvalidResponseDataError({
      data: undefined,
      message: 'Response stream ended without a finish reason.',
    });
  }
  validated.add(settings.messages);
  return { text, toolCalls, finishReason, usage, messages: response.messages };
}

function toolSetOf(sdk: Sdk, tools: Record<string, ModelTool>): ToolSet {
  return Object.fromEntries(
    Object.entries(tools).map(([name, definition]) => [
      name,
      sdk.tool({
        description: definition.description,
        inputSchema: sdk.jsonSchema(definition.inputSchema as JSONSchema7),
      }),
    ]),
  );
}
