import type { JournalEvent, LocalizationRerank } from '../spec/journal-events.ts';
import { RESUMABLE_STOPS } from '../spec/types.ts';
import { GEN_AI, OPERATION, providerAndModel, WARDEN } from './genai-conventions.ts';
import { digest, firstLine, maxUsdOf, round, statusOf, userMessage } from './internal/span-values.ts';
import type { Attributes, TelemetrySpan } from './telemetry-span.ts';

/** What the spans may carry besides metadata. */
export interface SpanOptions {
  /** Prompts, model outputs, tool inputs and outputs; off unless `telemetry.captureContent`. */
  captureContent: boolean;
}

/** The trace id of a task: the same on every export of it. */
export function traceIdOf(taskId: string): string {
  return digest(`warden:trace:${taskId}`).slice(0, 32);
}

/**
 * A task's journal as an OpenTelemetry GenAI span tree: `invoke_agent {agent}` for the task, one
 * `invoke_agent {child}` per pipeline stage, orchestrator subtask or swarm role under it, `chat {model}`
 * per model call (request to response, and the localization's rerank) and `execute_tool {tool}` per tool
 * call (start to end), each under
 * the task or child that made it. A span whose end the journal lacks (a killed process) ends at the
 * journal's last event. An empty list when there is no `task-start`.
 */
export function spansOfJournal(events: readonly JournalEvent[], options: SpanOptions): TelemetrySpan[] {
  const start = events.find((event) => event.type === 'task-start');
  if (start?.type !== 'task-start') return [];
  const builder = new SpanTree(start, options);
  for (const event of events) builder.add(event);
  return builder.finish();
}

class SpanTree {
  readonly #taskId: string;
  readonly #traceId: string;
  readonly #options: SpanOptions;
  readonly #root: TelemetrySpan;
  readonly #children = new Map<string, TelemetrySpan>();
  readonly #chats = new Map<string, TelemetrySpan>();
  readonly #tools = new Map<string, TelemetrySpan>();
  readonly #decisions = new Map<string, JournalEvent<'decision'>>();
  readonly #open = new Set<TelemetrySpan>();
  readonly #spans: TelemetrySpan[] = [];
  readonly #maxUsd: number | undefined;
  #stage: string | undefined;
  #lastMs: number;

  constructor(start: JournalEvent<'task-start'>, options: SpanOptions) {
    this.#taskId = start.taskId;
    this.#traceId = traceIdOf(start.taskId);
    this.#options = options;
    this.#maxUsd = maxUsdOf(start.limits);
    this.#lastMs = Date.parse(start.at);
    const { provider, model } = providerAndModel(start.model);
    const attributes: Attributes = {
      [GEN_AI.operationName]: OPERATION.invokeAgent,
      [GEN_AI.agentName]: start.agent,
      [GEN_AI.providerName]: provider,
      [GEN_AI.requestModel]: model,
      [GEN_AI.conversationId]: start.taskId,
      [WARDEN.taskId]: start.taskId,
      [WARDEN.team]: start.team,
    };
    if (this.#maxUsd !== undefined) attributes[WARDEN.budgetLimitUsd] = this.#maxUsd;
    const trigger = start.trigger;
    if (trigger) {
      attributes[WARDEN.triggerKind] = trigger.kind;
      attributes[WARDEN.triggerEvent] = trigger.event;
      attributes[WARDEN.triggerActor] = trigger.actor;
      attributes[WARDEN.triggerDeliveryId] = trigger.deliveryId;
      if (trigger.repository !== undefined) attributes[WARDEN.triggerRepository] = trigger.repository;
    }
    if (options.captureContent) attributes[GEN_AI.inputMessages] = userMessage(start.prompt);
    this.#root = this.#open_(`invoke_agent ${start.agent}`, 'task', undefined, this.#lastMs, attributes);
  }

  add(event: JournalEvent): void {
    const atMs = Date.parse(event.at);
    if (Number.isFinite(atMs)) this.#lastMs = atMs;
    const at = this.#lastMs;
    switch (event.type) {
      case 'stage-start': {
        const key = `stage:${event.stage}`;
        const span = this.#childSpan(key, at);
        if (event.model !== undefined) span.attributes[GEN_AI.requestModel] = event.model;
        if (this.#options.captureContent && event.prompt !== undefined)
          span.attributes[GEN_AI.inputMessages] = userMessage(event.prompt);
        this.#stage = key;
        return;
      }
      case 'stage-end':
        this.#endChild(`stage:${event.stage}`, at, event.status === 'passed', event.detail, event.costUsd);
        // A model stage a limit stopped is where a resume goes on: its later calls are still its own.
        if (event.stopReason === undefined || !RESUMABLE_STOPS.has(event.stopReason)) this.#stage = undefined;
        return;
      case 'subtask-start':
        this.#childSpan(`subtask:${event.subtask}`, at).attributes[GEN_AI.requestModel] = event.model;
        return;
      case 'subtask-end':
        this.#endChild(`subtask:${event.subtask}`, at, event.status === 'passed', event.detail);
        return;
      case 'role-start':
        this.#childSpan(`role:${event.role}`, at).attributes[GEN_AI.requestModel] = event.model;
        return;
      case 'role-end':
        this.#endChild(`role:${event.role}`, at, event.status === 'passed', event.detail);
        return;
      case 'model-request':
        this.#startChat(event, at);
        return;
      case 'model-response':
        this.#endChat(event, at);
        return;
      case 'context-localized':
        if (event.rerank?.reply !== undefined) this.#rerankChat(event, event.rerank, at);
        return;
      case 'decision':
        if (event.toolCallId !== undefined) this.#decisions.set(this.#keyOf(event, event.toolCallId), event);
        else
          this.#ownerOf(event, at).events.push({
            name: 'warden.action.decision',
            atMs: at,
            attributes: {
              'warden.action': event.action,
              [WARDEN.policyDecision]: event.decision,
              [WARDEN.policyIds]: event.policyIds,
            },
          });
        return;
      case 'tool-call-start':
        this.#startTool(event, at);
        return;
      case 'tool-call-end':
        this.#endTool(event, at);
        return;
      case 'error': {
        const chat = event.step === undefined ? undefined : this.#chats.get(this.#keyOf(event, event.step));
        if (chat) {
          chat.status = { code: 'error', message: event.message };
          chat.attributes[GEN_AI.errorType] = event.code;
          this.#close(chat, at);
          this.#chats.delete(this.#keyOf(event, event.step ?? 0));
        }
        this.#ownerOf(event, at).events.push({
          name: 'exception',
          atMs: at,
          attributes: { 'exception.type': event.code, 'exception.message': event.message },
        });
        return;
      }
      case 'breaker-open':
      case 'budget-exceeded': {
        const owner = this.#ownerOf(event, at);
        if (event.type === 'breaker-open') {
          this.#root.attributes[WARDEN.breakerState] = 'open';
          this.#root.attributes[WARDEN.breakerReason] = event.reason;
        }
        owner.events.push({
          name: `warden.${event.type}`,
          atMs: at,
          attributes: { [WARDEN.stopReason]: event.stopReason, reason: event.reason },
        });
        return;
      }
      case 'check':
        this.#ownerOf(event, at).events.push({
          name: 'warden.check',
          atMs: at,
          attributes: { 'warden.check.name': event.check, 'warden.check.passed': event.passed },
        });
        return;
      case 'task-end':
      case 'task-pause': {
        const root = this.#root.attributes;
        root[WARDEN.status] = event.status;
        root[WARDEN.stopReason] = event.stopReason;
        root[WARDEN.steps] = event.steps;
        root[WARDEN.costUsd] = event.costUsd;
        if (event.verification !== undefined) root[WARDEN.verification] = event.verification;
        if (this.#maxUsd !== undefined) root[WARDEN.budgetLeftUsd] = round(this.#maxUsd - event.costUsd);
        this.#root.status = statusOf(event.status, event.detail);
        this.#root.endMs = at;
        return;
      }
      case 'task-interrupted':
        this.#root.attributes[WARDEN.status] = 'interrupted';
        this.#root.attributes[WARDEN.costUsd] = event.costUsd;
        this.#root.status = { code: 'error', message: 'the task was interrupted' };
        this.#root.endMs = at;
        return;
      default:
        return;
    }
  }

  finish(): TelemetrySpan[] {
    for (const span of this.#open) span.endMs = Math.max(span.startMs, this.#lastMs);
    // The task's own span covers everything under it (delivery after the end included).
    this.#root.endMs = Math.max(this.#root.endMs, ...this.#spans.map((span) => span.endMs));
    return this.#spans;
  }

  #startChat(event: JournalEvent<'model-request'>, at: number): void {
    const key = this.#keyOf(event, event.step);
    const earlier = this.#chats.get(key);
    if (earlier) {
      // Asked again (a resume after a kill): the first call never answered.
      earlier.status = { code: 'error', message: 'no response was journaled' };
      this.#close(earlier, at);
    }
    const { provider, model } = providerAndModel(event.model);
    const span = this.#open_(`chat ${model}`, `chat:${key}:${event.seq}`, this.#ownerOf(event, at), at, {
      [GEN_AI.operationName]: OPERATION.chat,
      [GEN_AI.providerName]: provider,
      [GEN_AI.requestModel]: model,
      [GEN_AI.requestMaxTokens]: event.maxOutputTokens,
      [WARDEN.reservedUsd]: event.reservedUsd,
      [WARDEN.priceKey]: event.priceKey,
    });
    span.kind = 'client';
    this.#chats.set(key, span);
  }

  #endChat(event: JournalEvent<'model-response'>, at: number): void {
    const key = this.#keyOf(event, event.step);
    let span = this.#chats.get(key);
    if (!span) {
      const { provider, model } = providerAndModel(event.model);
      span = this.#open_(`chat ${model}`, `chat:${key}:${event.seq}`, this.#ownerOf(event, at), at, {
        [GEN_AI.operationName]: OPERATION.chat,
        [GEN_AI.providerName]: provider,
        [GEN_AI.requestModel]: model,
      });
      span.kind = 'client';
      span.startMs = at - event.latencyMs;
    }
    this.#chats.delete(key);
    const { usage } = event;
    Object.assign(span.attributes, {
      [GEN_AI.responseModel]: providerAndModel(event.model).model,
      [GEN_AI.responseFinishReasons]: [event.finishReason],
      [GEN_AI.usageInputTokens]: usage.input + usage.cacheRead + usage.cacheWrite,
      [GEN_AI.usageOutputTokens]: usage.output,
      [GEN_AI.usageCacheReadInputTokens]: usage.cacheRead,
      [GEN_AI.usageCacheCreationInputTokens]: usage.cacheWrite,
      [WARDEN.costUsd]: event.costUsd,
      [WARDEN.spentUsd]: event.spentUsd,
      [WARDEN.batch]: event.batch,
    });
    if (this.#maxUsd !== undefined)
      span.attributes[WARDEN.budgetLeftUsd] = round(this.#maxUsd - event.spentUsd);
    if (this.#options.captureContent) {
      const parts: unknown[] = [];
      if (event.text) parts.push({ type: 'text', content: event.text });
      for (const call of event.toolCalls)
        parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.input });
      span.attributes[GEN_AI.outputMessages] = JSON.stringify([
        { role: 'assistant', parts, finish_reason: event.finishReason },
      ]);
    }
    this.#close(span, at);
  }

  /** The rerank's model call (it has no `model-request` or `model-response` of its own). */
  #rerankChat(event: JournalEvent<'context-localized'>, rerank: LocalizationRerank, at: number): void {
    const { provider, model } = providerAndModel(rerank.model);
    const span = this.#open_(`chat ${model}`, `rerank:${event.seq}`, this.#ownerOf(event, at), at, {
      [GEN_AI.operationName]: OPERATION.chat,
      [GEN_AI.providerName]: provider,
      [GEN_AI.requestModel]: model,
      [GEN_AI.responseModel]: model,
      [GEN_AI.usageInputTokens]: rerank.inputTokens,
      [GEN_AI.usageOutputTokens]: rerank.outputTokens,
      [WARDEN.costUsd]: rerank.costUsd,
      [WARDEN.priceKey]: rerank.priceKey,
      [WARDEN.rerankApplied]: rerank.applied,
    });
    span.kind = 'client';
    span.startMs = at - rerank.latencyMs;
    if (rerank.kept !== undefined) span.attributes[WARDEN.rerankKept] = rerank.kept;
    if (this.#options.captureContent && rerank.reply !== undefined)
      span.attributes[GEN_AI.outputMessages] = JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: rerank.reply }] },
      ]);
    this.#close(span, at);
  }

  #startTool(event: JournalEvent<'tool-call-start'>, at: number): void {
    const key = this.#keyOf(event, event.toolCallId);
    const attributes: Attributes = {
      [GEN_AI.operationName]: OPERATION.executeTool,
      [GEN_AI.toolName]: event.tool,
      [GEN_AI.toolCallId]: event.toolCallId,
      [GEN_AI.toolType]: 'function',
    };
    const decision = this.#decisions.get(key);
    if (decision) {
      attributes[WARDEN.policyDecision] = decision.decision;
      attributes[WARDEN.policyIds] = decision.policyIds;
      if (decision.decider !== undefined) attributes[WARDEN.policyDecider] = decision.decider;
    }
    if (event.approvalId !== undefined) attributes[WARDEN.approvalId] = event.approvalId;
    if (this.#options.captureContent) attributes[GEN_AI.toolCallArguments] = JSON.stringify(event.input);
    const span = this.#open_(
      `execute_tool ${event.tool}`,
      `tool:${key}:${event.seq}`,
      this.#ownerOf(event, at),
      at,
      attributes,
    );
    this.#tools.set(key, span);
  }

  #endTool(event: JournalEvent<'tool-call-end'>, at: number): void {
    const key = this.#keyOf(event, event.toolCallId);
    const span = this.#tools.get(key);
    if (!span) return;
    this.#tools.delete(key);
    if (event.exitCode !== undefined && event.exitCode !== null)
      span.attributes[WARDEN.exitCode] = event.exitCode;
    if (event.interrupted) span.attributes[WARDEN.interrupted] = true;
    if (event.isError) {
      span.status = { code: 'error', message: firstLine(event.output) };
      span.attributes[GEN_AI.errorType] =
        span.attributes[WARDEN.policyDecision] === 'deny' ? 'denied' : 'tool_error';
    }
    if (this.#options.captureContent) span.attributes[GEN_AI.toolCallResult] = event.output;
    this.#close(span, at);
  }

  /** The span of a child (`stage:fix`, `subtask:s1`, `role:api`), opened at its first sign. */
  #childSpan(key: string, at: number): TelemetrySpan {
    let span = this.#children.get(key);
    if (!span) {
      span = this.#open_(`invoke_agent ${key}`, `child:${key}`, this.#root, at, {
        [GEN_AI.operationName]: OPERATION.invokeAgent,
        [GEN_AI.agentName]: key,
        [WARDEN.child]: key,
        [WARDEN.taskId]: this.#taskId,
      });
      this.#children.set(key, span);
    }
    return span;
  }

  #endChild(key: string, at: number, passed: boolean, detail: string, costUsd?: number): void {
    const span = this.#childSpan(key, at);
    span.attributes[WARDEN.childStatus] = passed ? 'passed' : 'failed';
    if (costUsd !== undefined) span.attributes[WARDEN.costUsd] = costUsd;
    // The last end decides: a stage a limit stopped may pass after its resume.
    span.status = passed ? { code: 'unset' } : { code: 'error', message: firstLine(detail) };
    this.#close(span, at);
  }

  /** The span an event belongs under: its child's (or the open stage's), else the task's. */
  #ownerOf(event: JournalEvent, at: number): TelemetrySpan {
    const child = event.child ?? this.#stage;
    return child === undefined ? this.#root : this.#childSpan(child, at);
  }

  /** A key unique within the task: steps and tool call ids repeat across children. */
  #keyOf(event: JournalEvent, id: string | number): string {
    return `${event.child ?? this.#stage ?? ''}|${id}`;
  }

  #open_(
    name: string,
    identity: string,
    parent: TelemetrySpan | undefined,
    at: number,
    attributes: Attributes,
  ): TelemetrySpan {
    const span: TelemetrySpan = {
      traceId: this.#traceId,
      spanId: digest(`warden:span:${this.#taskId}:${identity}`).slice(0, 16),
      parentSpanId: parent?.spanId,
      name,
      kind: 'internal',
      startMs: at,
      endMs: at,
      attributes,
      events: [],
      status: { code: 'unset' },
    };
    this.#spans.push(span);
    this.#open.add(span);
    return span;
  }

  #close(span: TelemetrySpan, at: number): void {
    span.endMs = Math.max(span.startMs, at);
    this.#open.delete(span);
  }
}
