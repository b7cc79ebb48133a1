import type { ModelMessage, ToolResultPart } from 'ai';
import { z } from 'zod';
import type { GuardStop, TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, PriceTable, RoutedModelClient } from '../model/index.ts';
import { BreakerOpenError, describeError, UserError, WardenError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { StopReason, ToolCall } from '../spec/types.ts';
import type { ApprovalGate } from './approval-gate.ts';
import { bookModelCall } from './book-model-call.ts';
import type { ResumeState } from './replay-journal.ts';
import { replyForJournal } from './reply-for-journal.ts';
import { reserveBound } from './reserve-bound.ts';
import { runToolCall } from './run-tool-call.ts';
import { StuckDetector, type StuckVerdict } from './stuck-detector.ts';
import type { AnyToolDefinition, ToolContext } from './tools/tool.ts';

/** Limits of the loop itself; spending limits are the guard's. */
export interface LoopLimits {
  /** Most model calls for the task. */
  maxSteps: number;
  /** Most wall-clock seconds for this run of the task. */
  maxWallSeconds: number;
}

/**
 * Verification when the model says it is finished, and the tiers to escalate to when it fails (the
 * cascade). Without one, the model's word ends the task.
 */
export interface TaskCheck {
  /** The check as people read it (`npm test`). */
  name: string;
  /** Runs the check; never throws for a failing check. */
  run(): Promise<{ passed: boolean; summary: string; output: string }>;
  /** The models of the tiers above the starting one, cheapest first; empty: a failed check fails the task. */
  higher: readonly ModelClient[];
}

export interface AgentLoopSettings {
  taskId: string;
  system: string;
  prompt: string;
  model: ModelClient;
  priceTable: PriceTable;
  tools: readonly AnyToolDefinition[];
  toolContext: ToolContext;
  decider: PolicyDecider;
  /** Answers `ask` decisions; without one, `ask` is refused as if denied. */
  approvals?: ApprovalGate | undefined;
  /** Continue a task from its journal instead of starting from the prompt. */
  resume?: ResumeState | undefined;
  journal: Journal;
  /** Reserves and books every model call; stops the task on a limit or an open breaker. */
  guard: TaskGuard;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  /** Undefined: no check, the model's word ends the task. */
  check?: TaskCheck | undefined;
  limits: LoopLimits;
  maxOutputTokens: number;
  toolOutputChars: number;
  /** Milliseconds since some fixed point; injectable for tests. */
  clock?: () => number;
}

export interface AgentLoopResult {
  stopReason: StopReason;
  /** Model calls made. */
  steps: number;
  /** The model's last text. */
  finalText: string;
  /** A sentence on why the loop stopped, for people. */
  detail: string;
}

/**
 * The step loop: ask the model, check each tool call against policy, run it, feed the result back,
 * until the model stops calling tools or a limit is reached. Every model call is reserved against the
 * budget first and is not made when it could cross a limit. Everything is journaled.
 */
export async function runAgentLoop(settings: AgentLoopSettings): Promise<AgentLoopResult> {
  const { journal, taskId, guard, limits } = settings;
  // A resumed task continues on the tier its cascade had reached.
  let escalations = settings.resume?.escalations ?? 0;
  let model = escalations > 0 ? settings.check?.higher[escalations - 1] : settings.model;
  const clock = settings.clock ?? (() => performance.now());
  const startedAt = clock();
  const deadline = startedAt + limits.maxWallSeconds * 1000;
  const toolsByName = new Map(settings.tools.map((tool) => [tool.name, tool]));
  const toolSchemas = Object.fromEntries(
    settings.tools.map((tool) => [
      tool.name,
      { description: tool.description, inputSchema: z.toJSONSchema(tool.input) as Record<string, unknown> },
    ]),
  );
  const stuck = new StuckDetector();
  const resume = settings.resume;
  const messages: ModelMessage[] = resume
    ? [...resume.messages]
    : [{ role: 'user', content: settings.prompt }];
  let steps = resume?.steps ?? 0;
  let finalText = resume?.finalText ?? '';
  const stop = (stopReason: StopReason, detail: string): AgentLoopResult => ({
    stopReason,
    steps,
    finalText,
    detail,
  });
  const toolSettings = {
    journal,
    taskId,
    decider: settings.decider,
    approvals: settings.approvals,
    tools: toolsByName,
    // Every tool call, and every command inside one, ends by the task's deadline.
    context: {
      ...settings.toolContext,
      exec: (command: string, options: { timeoutMs: number }) =>
        settings.toolContext.exec(command, {
          timeoutMs: Math.max(1, Math.min(options.timeoutMs, Math.ceil(deadline - clock()))),
        }),
    },
    outputChars: settings.toolOutputChars,
    remainingMs: () => Math.max(0, deadline - clock()),
  };

  /** Runs one step's tool calls; returns a result when the loop must stop (paused or stuck). */
  const runStep = async (
    calls: readonly ToolCall[],
    finished: readonly ToolResultPart[],
  ): Promise<AgentLoopResult | undefined> => {
    const content: ToolResultPart[] = [...finished];
    let verdict: StuckVerdict | undefined;
    let breaker: GuardStop | undefined;
    for (const call of calls) {
      const outcome = await runToolCall(toolSettings, call);
      if (outcome.kind === 'paused') {
        return stop('awaiting-approval', `${call.name} waits for a human approval (${outcome.approvalId})`);
      }
      // A human approved exactly this call and expects it done: its failure ends the task as failed.
      if (outcome.approvalId !== undefined && outcome.result.isError) {
        return stop(
          'approved-call-failed',
          `${call.name} was approved (${outcome.approvalId}) but failed: ${outcome.shown}`,
        );
      }
      content.push({
        type: 'tool-result',
        toolCallId: call.id,
        toolName: call.name,
        output: { type: outcome.result.isError ? 'error-text' : 'text', value: outcome.shown },
      });
      verdict ??= stuck.observe(call, { output: outcome.result.output, failed: outcome.result.isError });
      breaker ??= await guard.afterToolCall(outcome.result.isError);
    }
    messages.push({ role: 'tool', content });
    if (verdict) {
      await journal.append(taskId, 'stuck-detected', { pattern: verdict.pattern, detail: verdict.detail });
      await guard.onLoop(verdict.detail);
      return stop('stuck', verdict.detail);
    }
    return breaker ? stop(breaker.stopReason, breaker.reason) : undefined;
  };

  if (!model) {
    return stop(
      'error',
      `the task had escalated ${escalations} tier(s) above its first, but the config has no such tier now`,
    );
  }

  if (resume && resume.pendingCalls.length > 0) {
    const stopped = await runStep(resume.pendingCalls, resume.finishedResults);
    if (stopped) return stopped;
  }

  for (;;) {
    if (steps >= limits.maxSteps)
      return stop('max-steps', `reached the limit of ${limits.maxSteps} model calls`);
    if (clock() >= deadline)
      return stop('wall-time', `reached the limit of ${limits.maxWallSeconds} seconds`);

    // A true upper bound, not an estimate: a reply whose usage passes it is a provider error.
    const bound = reserveBound({
      priceTable: settings.priceTable,
      priceKeys: priceKeysOf(model),
      request: { system: settings.system, messages, tools: toolSchemas },
      maxOutputTokens: settings.maxOutputTokens,
    });
    const estimatedInputTokens = bound.inputTokens;
    const worstCase = { usd: bound.usd, tokens: bound.tokens };
    const reserved = await guard.beforeModelCall(
      model.tracksProviderHealth ? null : model.priceKey,
      worstCase,
    );
    if (!reserved.ok) {
      await journal.append(taskId, reserved.stopReason === 'breaker' ? 'breaker-open' : 'budget-exceeded', {
        stopReason: reserved.stopReason,
        reason: reserved.reason,
        worstCase,
      });
      return stop(reserved.stopReason, reserved.reason);
    }

    steps += 1;
    await journal.append(taskId, 'model-request', {
      step: steps,
      model: model.label,
      priceKey: model.priceKey,
      messages: messages.length,
      estimatedInputTokens,
      maxOutputTokens: settings.maxOutputTokens,
      reservedUsd: worstCase.usd,
    });
    let turn: Awaited<ReturnType<ModelClient['generate']>>;
    try {
      turn = await model.generate({
        system: settings.system,
        messages,
        tools: toolSchemas,
        maxOutputTokens: settings.maxOutputTokens,
        abortSignal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline - clock()))),
        onRouteDecision: async (decision) => {
          await journal.append(taskId, 'route-decision', { step: steps, ...decision });
        },
      });
    } catch (error) {
      await guard.afterFailedModelCall(
        reserved.reservation,
        model.tracksProviderHealth ? null : model.priceKey,
        error,
      );
      // A routed client whose every model's provider breaker is open refused before sending anything:
      // the same stop as the guard's refusal of a single model with an open breaker.
      if (error instanceof BreakerOpenError) {
        steps -= 1; // nothing was sent: not a model call
        await journal.append(taskId, 'breaker-open', { stopReason: 'breaker', reason: error.message });
        return stop('breaker', describeError(error));
      }
      await journal.append(taskId, 'error', { step: steps, source: 'model', ...errorFields(error) });
      if (clock() >= deadline)
        return stop('wall-time', `reached the limit of ${limits.maxWallSeconds} seconds`);
      return stop(error instanceof UserError ? 'error' : 'model-error', describeError(error));
    }
    const booking = await bookModelCall({
      taskId,
      step: steps,
      label: model.label,
      journal,
      guard,
      priceTable: settings.priceTable,
      counterfactualKey: settings.counterfactualKey,
      reservation: reserved.reservation,
      bound,
      turn,
    });
    if (booking.stop !== undefined) return stop('model-error', booking.stop);
    turn = booking.turn;
    await journal.append(taskId, 'model-response', {
      step: steps,
      model: model.label,
      finishReason: turn.finishReason,
      ...replyForJournal(turn),
      usage: turn.usage,
      rawUsage: turn.rawUsage,
      costUsd: turn.cost.usd,
      priceKey: turn.cost.priceKey,
      priceTableVersion: turn.cost.priceTableVersion,
      batch: turn.batch,
      latencyMs: turn.latencyMs,
      spentUsd: guard.spent.usd,
    });
    if (turn.text) finalText = turn.text;
    messages.push(...turn.responseMessages);
    if (turn.toolCalls.length === 0) {
      const check = settings.check;
      if (!check) return stop('finished', 'the model finished');
      const result = await check.run();
      await journal.append(taskId, 'check', {
        step: steps,
        check: check.name,
        passed: result.passed,
        summary: result.summary,
        output: result.output,
      });
      if (result.passed) return stop('finished', `the model finished and ${check.name} passed`);
      const next = check.higher[escalations];
      if (!next) return stop('check-failed', `${check.name} failed: ${result.summary}`);
      escalations += 1;
      await journal.append(taskId, 'route-decision', {
        step: steps,
        kind: 'escalate',
        model: next.label,
        tier: 'tier' in next ? next.tier : next.label,
        attempt: 1,
        reason: `${check.name} failed: ${result.summary}`,
        waitMs: 0,
      });
      model = next;
      messages.push({ role: 'user', content: checkFailedMessage(check.name, result.summary, result.output) });
      continue;
    }

    const stopped = await runStep(turn.toolCalls, []);
    if (stopped) return stopped;
  }
}

/** What the model is told when the check fails and the task moves up a tier (replayed on resume). */
export function checkFailedMessage(name: string, summary: string, output: string): string {
  return `The check \`${name}\` failed (${summary}):\n${output}\nFix the cause, then finish.`;
}

/** Every model a call on `model` may be answered by: a routed client's candidates, else itself. */
function priceKeysOf(model: ModelClient): string[] {
  const candidates = (model as Partial<RoutedModelClient>).candidates;
  return candidates ? candidates.map((client) => client.priceKey) : [model.priceKey];
}

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof WardenError) {
    return { code: error.code, message: error.message, retryable: error.isRetryable };
  }
  return { code: 'unknown', message: describeError(error) };
}
