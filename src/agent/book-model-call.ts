import type { LedgerReservation, TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelTurn, PricedUsage, PriceTable } from '../model/index.ts';
import { costOf, priceFor, validateUsage } from '../model/index.ts';
import type { ReserveBound } from './reserve-bound.ts';

export interface BookModelCallSettings {
  taskId: string;
  step: number;
  /** The model as people read it. */
  label: string;
  journal: Journal;
  guard: TaskGuard;
  priceTable: PriceTable;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  reservation: LedgerReservation;
  bound: ReserveBound;
  turn: ModelTurn;
}

/**
 * Books one answered model call. Its usage is validated first (`validateUsage`): honest usage books what
 * it cost; a reply without usage books the reservation and journals `usage-missing`; impossible usage
 * (a provider error) books the reservation, never the claim, journals `usage-anomaly`, counts against the
 * model's provider breaker and returns the detail the task must stop on. So no reply can book a negative
 * amount or more than was reserved for it.
 *
 * Returns the turn as booked (its `cost.usd` is the reservation when usage was missing) and, for an
 * anomaly, `stop`: why the task ends with `model-error`.
 */
export async function bookModelCall(
  settings: BookModelCallSettings,
): Promise<{ turn: ModelTurn; stop?: string | undefined }> {
  const { turn, bound, priceTable, guard, journal, taskId } = settings;
  const key = turn.cost.priceKey;
  const priced = Object.hasOwn(priceTable.models, key);
  const verdict = validateUsage(turn.usage, turn.cost.usd, {
    ...bound,
    contextWindow: priced ? priceFor(priceTable, key).contextWindow : undefined,
  });
  const booked: PricedUsage =
    verdict.kind === 'ok'
      ? turn.usage
      : { input: bound.inputTokens, output: bound.outputTokens, cacheRead: 0, cacheWrite: 0 };
  const details = {
    stage: null,
    priceKey: key,
    priceTableVersion: turn.cost.priceTableVersion,
    tier: priced ? (priceFor(priceTable, key).tier ?? null) : null,
    batch: turn.batch,
    input: booked.input,
    output: booked.output,
    cacheRead: booked.cacheRead,
    cacheWrite: booked.cacheWrite,
    cacheWrite1h: booked.cacheWrite1h ?? 0,
    topTierUsd: Object.hasOwn(priceTable.models, settings.counterfactualKey)
      ? costOf(priceTable, settings.counterfactualKey, booked).usd
      : null,
  };
  const reserved = { step: settings.step, model: settings.label, priceKey: key };
  if (verdict.kind === 'anomaly') {
    const stop = `${settings.label} reported impossible usage (${verdict.reason}); the call was booked at its $${bound.usd.toFixed(4)} reservation`;
    await guard.afterAnomalousModelCall(settings.reservation, key, details, stop);
    await journal.append(taskId, 'usage-anomaly', {
      ...reserved,
      reason: verdict.reason,
      rawUsage: turn.rawUsage ?? null,
      usage: turn.usage,
      claimedUsd: Number.isFinite(turn.cost.usd) ? turn.cost.usd : null,
      reservedUsd: bound.usd,
      reservedTokens: bound.tokens,
    });
    return { turn, stop };
  }
  const usd = verdict.kind === 'ok' ? turn.cost.usd : bound.usd;
  const tokens = booked.input + booked.output + booked.cacheRead + booked.cacheWrite;
  await guard.afterModelCall(settings.reservation, key, { usd, tokens }, details);
  if (verdict.kind === 'ok') return { turn };
  await journal.append(taskId, 'usage-missing', {
    ...reserved,
    reason: verdict.reason,
    rawUsage: turn.rawUsage ?? null,
    reservedUsd: bound.usd,
    reservedTokens: bound.tokens,
  });
  return { turn: { ...turn, cost: { ...turn.cost, usd } } };
}
