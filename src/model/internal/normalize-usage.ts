import type { LanguageModelUsage } from 'ai';
import type { PricedUsage } from '../../spec/index.ts';

/**
 * Normalises the AI SDK's usage: `input` is the input that was neither read from nor written to a cache
 * (the SDK's `inputTokens` is the total including both, so using it would count cache tokens twice).
 * `cacheWrite1h` comes from Anthropic's `cache_creation.ephemeral_1h_input_tokens` in the raw usage,
 * capped at `cacheWrite` (a streamed reply may update the total without repeating the split).
 *
 * Numbers are passed on as the vendor gave them, negative and huge ones included: they are validated
 * where they are booked (`validateUsage`), so a lie is caught there rather than hidden here. When the
 * reply gives both the no-cache count and the total and they disagree, the larger input is kept. A reply
 * without an input or an output count is marked `missing` (its counts are then 0).
 */
export function normalizeUsage(usage: LanguageModelUsage): PricedUsage {
  if (usage.inputTokens === undefined || usage.outputTokens === undefined) {
    return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, missing: true };
  }
  const details = usage.inputTokenDetails;
  const cacheRead = details?.cacheReadTokens ?? 0;
  const cacheWrite = details?.cacheWriteTokens ?? 0;
  const fromTotal = usage.inputTokens - cacheRead - cacheWrite;
  const noCache = details?.noCacheTokens;
  const normalized: PricedUsage = {
    input: noCache === undefined ? fromTotal : Math.max(noCache, fromTotal),
    output: usage.outputTokens,
    cacheRead,
    cacheWrite,
  };
  const written1h = Math.min(oneHourWrites(usage.raw), cacheWrite);
  if (written1h > 0) normalized.cacheWrite1h = written1h;
  return normalized;
}

function oneHourWrites(raw: unknown): number {
  if (typeof raw !== 'object' || raw === null || !('cache_creation' in raw)) return 0;
  const creation = raw.cache_creation;
  if (typeof creation !== 'object' || creation === null || !('ephemeral_1h_input_tokens' in creation))
    return 0;
  const tokens = creation.ephemeral_1h_input_tokens;
  return typeof tokens === 'number' && tokens > 0 ? tokens : 0;
}
