import type { ModelMessage } from 'ai';
import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, ModelTool, ModelTurn, PriceTable, RoutedModelClient } from '../model/index.ts';
import { BreakerOpenError, describeError, UserError, WardenError } from '../spec/errors.ts';
import { bookModelCall } from './book-model-call.ts';
import { type Deadline, wallTimeStop } from './internal/deadline.ts';
import type { SerializedSizes } from './internal/serialized-sizes.ts';
import type { LoopStop } from './loop-stop.ts';
import { replyForJournal } from './reply-for-journal.ts';
import { reserveBound } from './reserve-bound.ts';

/** What every model call of a task shares. */
export interface ModelStepSettings {
  taskId: string;
  journal: Journal;
  /** Reserves and books the call; refuses it on a limit or an open breaker. */
  guard: TaskGuard;
  priceTable: PriceTable;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  system: string;
  /** The tools as the model is shown them. */
  tools: Record<string, ModelTool>;
  maxOutputTokens: number;
  /** The call is aborted when the task's run reaches it. */
  deadline: Deadline;
  /** Sizes of the conversation's messages and of the tools, counted once for every call's bound. */
  sizes: SerializedSizes;
}

/** One model call: which model, on which conversation, as which step of the task. */
export interface ModelStepRequest {
  model: ModelClient;
  /** The conversation so far; not changed here. */
  messages: ModelMessage[];
  /** The number the call gets if it is made: the task's model calls so far plus one. */
  step: number;
}

/**
 * How the call went. `called` says whether it counts as one of the task's model calls (something was
 * sent): a call refused by the budget or by open breakers does not; a call that failed or answered
 * impossibly does.
 */
export type ModelStepOutcome =
  | { kind: 'answered'; called: true; turn: ModelTurn }
  | ({ kind: 'stopped'; called: boolean } & LoopStop);

/**
 * The model step: reserve the call's upper bound (and make no call when it could cross a limit), make
 * the call, book what it cost, and journal each of these. A failed call is journaled and ends the task
 * (`model-error`, or `error` for the user's mistake, or `wall-time` when the deadline cut it short);
 * retries are the model client's business, not the loop's.
 */
export async function runModelStep(
  settings: ModelStepSettings,
  request: ModelStepRequest,
): Promise<ModelStepOutcome> {
  const { journal, taskId, guard, deadline } = settings;
  const { model, messages, step } = request;
  // A true upper bound, not an estimate: a reply whose usage passes it is a provider error.
  const bound = reserveBound({
    priceTable: settings.priceTable,
    priceKeys: priceKeysOf(model),
    request: { system: settings.system, messages, tools: settings.tools },
    maxOutputTokens: settings.maxOutputTokens,
    sizes: settings.sizes,
  });
  const worstCase = { usd: bound.usd, tokens: bound.tokens };
  // A routed client records its models' provider health itself; the guard checks the others'.
  const healthKey = model.tracksProviderHealth ? null : model.priceKey;
  const reserved = await guard.beforeModelCall(healthKey, worstCase);
  if (!reserved.ok) {
    await journal.append(taskId, reserved.stopReason === 'breaker' ? 'breaker-open' : 'budget-exceeded', {
      stopReason: reserved.stopReason,
      reason: reserved.reason,
      worstCase,
    });
    return { kind: 'stopped', called: false, stopReason: reserved.stopReason, detail: reserved.reason };
  }

  await journal.append(taskId, 'model-request', {
    step,
    model: model.label,
    priceKey: model.priceKey,
    messages: messages.length,
    estimatedInputTokens: bound.inputTokens,
    maxOutputTokens: settings.maxOutputTokens,
    reservedUsd: worstCase.usd,
    reservationId: reserved.reservation.held.id,
  });
  let turn: ModelTurn;
  try {
    turn = await model.generate({
      system: settings.system,
      messages,
      tools: settings.tools,
      maxOutputTokens: settings.maxOutputTokens,
      abortSignal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline.remainingMs()))),
      onRouteDecision: async (decision) => {
        await journal.append(taskId, 'route-decision', { step, ...decision });
      },
    });
  } catch (error) {
    await guard.afterFailedModelCall(reserved.reservation, healthKey, error);
    // A routed client whose every model's provider breaker is open refused before sending anything:
    // the same stop as the guard's refusal of a single model with an open breaker.
    if (error instanceof BreakerOpenError) {
      await journal.append(taskId, 'breaker-open', { stopReason: 'breaker', reason: error.message });
      return { kind: 'stopped', called: false, stopReason: 'breaker', detail: describeError(error) };
    }
    await journal.append(taskId, 'error', { step, source: 'model', ...errorFields(error) });
    if (deadline.passed()) return { kind: 'stopped', called: true, ...wallTimeStop(deadline) };
    return {
      kind: 'stopped',
      called: true,
      stopReason: error instanceof UserError ? 'error' : 'model-error',
      detail: describeError(error),
    };
  }
  const booking = await bookModelCall({
    taskId,
    step,
    label: model.label,
    journal,
    guard,
    priceTable: settings.priceTable,
    counterfactualKey: settings.counterfactualKey,
    reservation: reserved.reservation,
    bound,
    turn,
  });
  if (booking.stop !== undefined) {
    return { kind: 'stopped', called: true, stopReason: 'model-error', detail: booking.stop };
  }
  turn = booking.turn;
  await journal.append(taskId, 'model-response', {
    step,
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
  return { kind: 'answered', called: true, turn };
}

/** Every model a call on `model` may be answered by: a routed client's candidates, else itself. */
function priceKeysOf(model: ModelClient): string[] {
  const candidates = (model as Partial<RoutedModelClient>).candidates;
  return candidates ? candidates.map((client) => client.priceKey) : [model.priceKey];
}

function errorFields(error: unknown): { code: string; message: string; retryable?: boolean } {
  if (error instanceof WardenError) {
    return { code: error.code, message: error.message, retryable: error.isRetryable };
  }
  return { code: 'unknown', message: describeError(error) };
}
