import type { PricedUsage } from '../spec/index.ts';

/** The limits a call's reported usage must stay within: what was reserved for it. */
export interface UsageLimits {
  /** Most input tokens (plain, cache reads and writes together) the request could hold. */
  inputTokens: number;
  /** Most output tokens: the requested maximum plus a small tolerance. */
  outputTokens: number;
  /** What was reserved for the call, in USD. */
  usd: number;
  /** Tokens the model accepts in one request; `undefined` when the price table does not say. */
  contextWindow?: number | undefined;
}

/**
 * What to make of a reply's usage. `ok`: book it. `missing`: the reply reported none; book the
 * reservation. `anomaly`: the usage is impossible (a provider error); book the reservation, never the
 * claim, and count it against the provider.
 */
export type UsageVerdict =
  | { kind: 'ok' }
  | { kind: 'missing'; reason: string }
  | { kind: 'anomaly'; reason: string };

/** Slack for the float arithmetic of pricing; far below a nano-dollar on any real call. */
const USD_EPSILON = 1e-12;

/**
 * Checks the usage a vendor reported for one call against what could have happened: every count a
 * non-negative safe integer; output not above the requested maximum (with its tolerance); input, cache
 * reads and writes together not above the request's bound nor the model's context window; 1-hour writes
 * within the writes; the priced cost (`costUsd`) not negative and not above the reservation.
 */
export function validateUsage(usage: PricedUsage, costUsd: number, limits: UsageLimits): UsageVerdict {
  if (usage.missing) return { kind: 'missing', reason: 'the reply reported no usage' };
  const counts: [string, number][] = [
    ['input', usage.input],
    ['output', usage.output],
    ['cache read', usage.cacheRead],
    ['cache write', usage.cacheWrite],
    ['1-hour cache write', usage.cacheWrite1h ?? 0],
  ];
  for (const [name, value] of counts) {
    if (!Number.isSafeInteger(value) || value < 0) {
      return { kind: 'anomaly', reason: `${name} tokens ${value} is not a non-negative integer` };
    }
  }
  if ((usage.cacheWrite1h ?? 0) > usage.cacheWrite) {
    return {
      kind: 'anomaly',
      reason: `1-hour cache writes (${usage.cacheWrite1h}) exceed all cache writes (${usage.cacheWrite})`,
    };
  }
  if (usage.output > limits.outputTokens) {
    return {
      kind: 'anomaly',
      reason: `${usage.output} output tokens exceed the ${limits.outputTokens} the call allowed`,
    };
  }
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  if (prompt > limits.inputTokens) {
    return {
      kind: 'anomaly',
      reason: `${prompt} input tokens exceed the request's bound of ${limits.inputTokens}`,
    };
  }
  if (limits.contextWindow !== undefined && prompt > limits.contextWindow) {
    return {
      kind: 'anomaly',
      reason: `${prompt} input tokens exceed the model's context window of ${limits.contextWindow}`,
    };
  }
  if (!Number.isFinite(costUsd) || costUsd < 0) {
    return { kind: 'anomaly', reason: `the priced cost $${costUsd} is not a non-negative amount` };
  }
  if (costUsd > limits.usd + USD_EPSILON) {
    return {
      kind: 'anomaly',
      reason: `the priced cost $${costUsd.toFixed(6)} exceeds the $${limits.usd.toFixed(6)} reserved`,
    };
  }
  return { kind: 'ok' };
}
