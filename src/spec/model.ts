import type { ModelMessage } from 'ai';
import type { OpenBreakerNotice } from './errors.ts';
import type { Cost, NormalizedUsage, ToolCall } from './types.ts';

/** The providers a model spec can name. */
export type ModelProvider = 'anthropic' | 'openai' | 'openai-compatible' | 'scripted';

/**
 * Token counts to price: the normalised usage, plus how many of the `cacheWrite` tokens were written with
 * a 1-hour lifetime (Anthropic prices those higher). `undefined` means every cache write was 5-minute.
 */
export interface PricedUsage extends NormalizedUsage {
  cacheWrite1h?: number;
  /** The reply reported no usage (every count is then 0); `undefined`: it did. */
  missing?: true;
}

/** A tool the model may call; Warden runs it, the model only asks. */
export interface ModelTool {
  description: string;
  /** JSON Schema of the tool's input (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** One routing decision, journaled as `route-decision`. */
export interface RouteDecision {
  /**
   * `pick`: the model a call starts on; `retry`: the same model again after a retryable failure;
   * `fallback`: the next model of the tier; `skip`: a model passed over (its provider breaker is open);
   * `escalate`: the task moves up one tier (the cascade, after a failed check); `give-up`: no more calls
   * on this model for this step (attempts used up, or a `retry-after` above the cap), `reason` says why.
   * A client without a router journals only `retry` and `give-up`.
   */
  kind: 'pick' | 'retry' | 'fallback' | 'skip' | 'escalate' | 'give-up';
  /** The model the decision leads to (its label). */
  model: string;
  /** `null` for a single model retried without the router. */
  tier: string | null;
  /** The attempt on that model, from 1. */
  attempt: number;
  reason: string;
  /** How long the router waits before the call, in milliseconds; 0 when it does not wait. */
  waitMs: number;
}

/** One model call. */
export interface ModelRequest {
  system: string;
  messages: ModelMessage[];
  tools: Record<string, ModelTool>;
  maxOutputTokens: number;
  abortSignal?: AbortSignal;
  /** Told of every routing decision a routed client takes for this call; undefined: not told. */
  onRouteDecision?: (decision: RouteDecision) => Promise<void>;
}

/** What one model call returned, normalised across vendors. */
export interface ModelTurn {
  text: string;
  /**
   * Every tool call the model made, in order, including calls to tools that do not exist; each needs
   * exactly one tool result from the caller. Inputs are NOT validated against the tool's schema.
   */
  toolCalls: ToolCall[];
  /** The AI SDK's unified reason: `stop`, `tool-calls`, `length`, `content-filter`, `error` or `other`. */
  finishReason: string;
  usage: PricedUsage;
  /** The usage exactly as the vendor reported it (for a scripted model: the file's `usage`). */
  rawUsage: unknown;
  cost: Cost;
  latencyMs: number;
  /** The assistant message to append to the conversation before the tool results. */
  responseMessages: ModelMessage[];
  /** The call went through the vendor's batch API and is priced at the batch rate. */
  batch: boolean;
}

/**
 * A model ready to be called: the driver interface every provider client, the scripted model and the
 * router implement (`createModelClient`, `createRoutedModelClient`, `withRetries` in `model/`).
 */
export interface ModelClient {
  /** How to show the model to people; a scripted model always shows as `scripted:…`. */
  readonly label: string;
  /** The price-table entry each call is charged as; `scripted:unpriced` for an unpriced script. */
  readonly priceKey: string;
  readonly provider: ModelProvider;
  /** True when the client records its models' provider health itself (a routed client with breakers). */
  readonly tracksProviderHealth?: boolean;
  /** True when the model has no known price and runs at $0 (`pricing.allowUnpriced`); its costs are not real. */
  readonly unpriced?: boolean;
  /**
   * Makes one model call (no retries, no tool execution).
   *
   * @throws ModelCallError (`model-call-failed`) when the vendor or network failed; see `isRetryable`
   *   and `retryAfterMs`. SystemError `model-reply-invalid` when the reply could not be read.
   *   UserError `scripted-turns-exhausted` when a scripted file has no turn left.
   */
  generate(request: ModelRequest): Promise<ModelTurn>;
}

/** What the router knows of providers' health: the provider breakers, per price key. */
export interface ProviderHealth {
  /**
   * The open breaker that keeps `modelKey` from being called now, or `undefined` when it may be called
   * (which may claim the breaker's one half-open probe).
   */
  openBreaker(modelKey: string): Promise<OpenBreakerNotice | undefined>;
  /** Records the outcome of one call to `modelKey`, after its retries on that model. */
  record(modelKey: string, failed: boolean, detail?: string): Promise<void>;
}
