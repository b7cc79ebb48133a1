/**
 * The OpenTelemetry names Warden's telemetry uses, in one place, pinned to one version of the GenAI
 * semantic conventions. The `gen_ai.*` conventions are still in development upstream (they moved to
 * the semantic-conventions-genai repository and may rename attributes in a minor release), so Warden
 * spells them here rather than importing them: a rename upstream is a reviewed change of this file,
 * never a silent one. Warden's own attributes live under `warden.*`.
 */

/**
 * The version followed: semantic conventions 1.45.0, as `@opentelemetry/semantic-conventions` 1.45.0
 * ships them (`index-incubating`). Sent as the instrumentation scope's schema URL.
 */
export const SEMCONV_VERSION = '1.45.0';
export const SCHEMA_URL = `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`;

/** The instrumentation scope of every span and metric Warden sends. */
export const SCOPE_NAME = 'warden';

/** `gen_ai.operation.name` values Warden emits. */
export const OPERATION = {
  invokeAgent: 'invoke_agent',
  chat: 'chat',
  executeTool: 'execute_tool',
} as const;

/** Span attributes of the GenAI conventions (and `error.type`). */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  /** Every input token, cached ones included (the convention says it SHOULD include them). */
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  /** Content, sent only with `telemetry.captureContent: true`. */
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
} as const;

/** Warden's own attributes, beside the conventions'. */
export const WARDEN = {
  taskId: 'warden.task.id',
  team: 'warden.task.team',
  status: 'warden.task.status',
  stopReason: 'warden.task.stop_reason',
  steps: 'warden.task.steps',
  verification: 'warden.task.verification',
  child: 'warden.child',
  childStatus: 'warden.child.status',
  costUsd: 'warden.cost.usd',
  spentUsd: 'warden.task.spent_usd',
  reservedUsd: 'warden.budget.reserved_usd',
  budgetLimitUsd: 'warden.budget.limit_usd',
  budgetLeftUsd: 'warden.budget.left_usd',
  breakerState: 'warden.breaker.state',
  breakerReason: 'warden.breaker.reason',
  priceKey: 'warden.price.key',
  batch: 'warden.model.batch',
  policyDecision: 'warden.policy.decision',
  policyIds: 'warden.policy.ids',
  policyDecider: 'warden.policy.decider',
  approvalId: 'warden.approval.id',
  exitCode: 'warden.tool.exit_code',
  interrupted: 'warden.tool.interrupted',
  triggerKind: 'warden.trigger.kind',
  triggerEvent: 'warden.trigger.event',
  triggerActor: 'warden.trigger.actor',
  triggerDeliveryId: 'warden.trigger.delivery_id',
  triggerRepository: 'warden.trigger.repository',
  scripted: 'warden.model.scripted',
  rerankApplied: 'warden.localize.rerank.applied',
  rerankKept: 'warden.localize.rerank.kept',
} as const;

/** Metric instruments: the two of the GenAI conventions, and Warden's counters. */
export const METRIC = {
  tokenUsage: { name: 'gen_ai.client.token.usage', unit: '{token}' },
  operationDuration: { name: 'gen_ai.client.operation.duration', unit: 's' },
  costUsd: { name: 'warden.cost.usd', unit: 'USD' },
  taskOutcomes: { name: 'warden.task.outcomes', unit: '{task}' },
  policyDecisions: { name: 'warden.policy.decisions', unit: '{decision}' },
  breakerOpens: { name: 'warden.breaker.opens', unit: '{event}' },
} as const;

/**
 * The convention's bucket boundaries: token usage grows by powers of four, durations (seconds) from
 * 10 ms to about 82 s.
 */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/**
 * `gen_ai.provider.name` and the model name of a Warden model label (`anthropic:claude-haiku-4-5`,
 * `openai-compatible:qwen3@http://…`, `scripted:FILE`). The scripted model is a simulation: its
 * provider is `warden.scripted`, never a vendor's name.
 */
export function providerAndModel(label: string): { provider: string; model: string } {
  const colon = label.indexOf(':');
  if (colon < 0) return { provider: '_OTHER', model: label };
  const prefix = label.slice(0, colon);
  const rest = label.slice(colon + 1);
  if (prefix === 'scripted') return { provider: 'warden.scripted', model: label };
  if (prefix === 'openai-compatible') return { provider: 'openai', model: rest.split('@')[0] ?? rest };
  return { provider: prefix, model: rest };
}
