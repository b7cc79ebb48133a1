import type { LocalizedFile } from '../context/index.ts';
import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, ModelRequest, ModelTurn, PriceTable, RoutedModelClient } from '../model/index.ts';
import { describeError } from '../spec/errors.ts';
import type { LocalizationRerank } from '../spec/journal-events.ts';
import { bookModelCall } from './book-model-call.ts';
import { parseRerankReply, RERANK_SYSTEM, rerankPrompt } from './internal/rerank-prompt.ts';
import { reserveBound } from './reserve-bound.ts';

/** The cheap model that reorders the localizer's top candidates (`agent.localize.rerank`). */
export interface RerankSettings {
  /** The nano or small tier's model (router on), the one named, or the agent's own. */
  model: ModelClient;
  /** The table the call is bounded and booked with (holds the model's $0 entry when it is unpriced). */
  priceTable: PriceTable;
  /** Candidates sent, best first. */
  candidates: number;
  /** Most output tokens the reply may take; a reply cut there is refused. */
  maxOutputTokens: number;
}

/** Where the call is charged and journaled: the task's own guard and journal. */
export interface RerankBooking {
  taskId: string;
  journal: Journal;
  guard: TaskGuard;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
}

/** The step number the rerank's booking carries: it comes before the task's first model call. */
const RERANK_STEP = 0;
const REPLY_CHARS = 2_000;

/**
 * Sends the task's text and the top `candidates` of `files` (paths and top symbols) to the rerank model
 * and returns `files` with those candidates in the model's order, and what happened, for
 * `context-localized`. The call is reserved, made and booked like a loop's model call (a budget or
 * breaker refusal makes none); it is not one of the task's steps. Fail-safe: a failed call, impossible
 * usage, a reply cut at its token limit, a reply that is not a JSON array of candidate paths, or one that
 * names any other path keeps the localizer's order, and `kept` says why. Never throws for the model's
 * sake; only the journal and the ledger can fail it.
 */
export async function rerankFiles(
  booking: RerankBooking,
  settings: RerankSettings,
  task: string,
  files: readonly LocalizedFile[],
): Promise<{ files: LocalizedFile[]; rerank: LocalizationRerank }> {
  const { model, priceTable, maxOutputTokens } = settings;
  const top = files.slice(0, settings.candidates);
  const candidates = top.map((file) => file.path);
  const record: LocalizationRerank = {
    model: model.label,
    priceKey: model.priceKey,
    candidates,
    order: candidates,
    applied: false,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
  };
  const keep = (kept: string) => ({ files: [...files], rerank: { ...record, kept } });
  if (top.length < 2) return keep('fewer than two candidates: nothing to reorder');

  const request: ModelRequest = {
    system: RERANK_SYSTEM,
    messages: [{ role: 'user', content: rerankPrompt(task, top) }],
    tools: {},
    maxOutputTokens,
  };
  const bound = reserveBound({ priceTable, priceKeys: priceKeysOf(model), request, maxOutputTokens });
  const healthKey = model.tracksProviderHealth ? null : model.priceKey;
  const reserved = await booking.guard.beforeModelCall(healthKey, { usd: bound.usd, tokens: bound.tokens });
  if (!reserved.ok) return keep(`not sent: ${reserved.reason}`);
  let turn: ModelTurn;
  try {
    turn = await model.generate(request);
  } catch (error) {
    await booking.guard.afterFailedModelCall(reserved.reservation, healthKey, error);
    return keep(`the call failed: ${describeError(error)}`);
  }
  const booked = await bookModelCall({
    ...booking,
    step: RERANK_STEP,
    label: model.label,
    priceTable,
    reservation: reserved.reservation,
    bound,
    turn,
  });
  const usage = booked.turn.usage;
  const answered: LocalizationRerank = {
    ...record,
    reply: booked.turn.text.slice(0, REPLY_CHARS),
    inputTokens: usage.input + usage.cacheRead + usage.cacheWrite,
    outputTokens: usage.output,
    costUsd: booked.turn.cost.usd,
    latencyMs: booked.turn.latencyMs,
  };
  const refuse = (kept: string) => ({ files: [...files], rerank: { ...answered, kept } });
  if (booked.stop !== undefined) {
    // Impossible usage was booked at the reservation, never at the claim: so is the record.
    const { inputTokens, outputTokens, usd } = bound;
    return {
      files: [...files],
      rerank: { ...answered, inputTokens, outputTokens, costUsd: usd, kept: booked.stop },
    };
  }
  if (turn.finishReason === 'length')
    return refuse(`the reply was cut at its ${maxOutputTokens} output tokens`);
  if (usage.output > maxOutputTokens) {
    return refuse(`the reply took ${usage.output} output tokens, over its ${maxOutputTokens}`);
  }
  const parsed = parseRerankReply(turn.text, candidates);
  if ('refused' in parsed) return refuse(parsed.refused);
  const byPath = new Map(top.map((file) => [file.path, file]));
  return {
    files: [...parsed.order.map((file) => byPath.get(file) as LocalizedFile), ...files.slice(top.length)],
    rerank: { ...answered, order: parsed.order, applied: true },
  };
}

/** Every model a call on `model` may be answered by: a routed client's candidates, else itself. */
function priceKeysOf(model: ModelClient): string[] {
  const routed = (model as Partial<RoutedModelClient>).candidates;
  return routed ? routed.map((client) => client.priceKey) : [model.priceKey];
}
