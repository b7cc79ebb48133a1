import type { ModelRequest } from '../model/index.ts';
import { type PriceTable, priceFor, UNPRICED_KEY } from '../model/index.ts';
import type { SerializedSizes } from './internal/serialized-sizes.ts';

/**
 * Tokens allowed for what the vendor adds around the request itself: its own tool-use system prompt
 * (a few hundred tokens at Anthropic), role and turn markers of its chat template. Generous on purpose.
 */
export const VENDOR_FRAMING_TOKENS = 4096;

/** Output tokens a vendor may count above the requested maximum (stop and end-of-turn markers). */
export const OUTPUT_TOLERANCE_TOKENS = 16;

/** The most one model call can use and cost: what is reserved before it and what its usage must stay within. */
export interface ReserveBound {
  /** Most input tokens (plain, cache reads and cache writes together) the call can be billed for. */
  inputTokens: number;
  /** Most output tokens: the requested maximum plus {@link OUTPUT_TOLERANCE_TOKENS}. */
  outputTokens: number;
  /** `inputTokens + outputTokens`. */
  tokens: number;
  /** Most the call can cost in USD, on the dearest of `priceKeys`; 0 for an unpriced script. */
  usd: number;
}

/**
 * The upper bound of one model call, reserved before it is made. Input is counted as the UTF-8 bytes of
 * the whole request as serialised (system prompt, messages, tool schemas) plus the vendor's framing: every
 * vendor tokenizer (byte-level BPE at OpenAI and Anthropic, SentencePiece with byte fallback for open
 * models) turns at least one byte into each token, so a request cannot hold more tokens than bytes.
 * Every input token is priced at the model's dearest input-side rate (plain input, cache read, 5-minute
 * or 1-hour cache write, long-context rates when the bound crosses the threshold), so no split between
 * cached and uncached input can cost more; output at the output rate. With several `priceKeys` (a routed
 * client that may fall back), the dearest model's bound is taken.
 *
 * `sizes`: the sizes of a conversation's messages and tools counted by earlier calls, so each is
 * serialised once (the same count; without it, the whole request is serialised).
 *
 * @throws UserError `price-unknown` when a key other than the unpriced script key has no price.
 */
export function reserveBound(settings: {
  priceTable: PriceTable;
  priceKeys: readonly string[];
  request: Pick<ModelRequest, 'system' | 'messages' | 'tools'>;
  maxOutputTokens: number;
  sizes?: SerializedSizes | undefined;
}): ReserveBound {
  const { request, sizes } = settings;
  const inputTokens =
    Buffer.byteLength(request.system, 'utf8') +
    (sizes
      ? sizes.ofArray(request.messages) + sizes.of(request.tools)
      : Buffer.byteLength(JSON.stringify(request.messages), 'utf8') +
        Buffer.byteLength(JSON.stringify(request.tools), 'utf8')) +
    VENDOR_FRAMING_TOKENS;
  const outputTokens = settings.maxOutputTokens + OUTPUT_TOLERANCE_TOKENS;
  let usd = 0;
  for (const key of settings.priceKeys) {
    const rates = boundRates(settings.priceTable, key, inputTokens);
    usd = Math.max(usd, (inputTokens * rates.input + outputTokens * rates.output) / 1_000_000);
  }
  return { inputTokens, outputTokens, tokens: inputTokens + outputTokens, usd };
}

/** The dearest input-side and output rates (USD per million tokens) a prompt of `inputTokens` can meet. */
function boundRates(table: PriceTable, key: string, inputTokens: number): { input: number; output: number } {
  if (key === UNPRICED_KEY) return { input: 0, output: 0 };
  const prices = priceFor(table, key);
  const long = prices.longContext;
  const sets = [prices, ...(long !== undefined && inputTokens > long.thresholdTokens ? [long] : [])];
  let input = 0;
  let output = 0;
  for (const rates of sets) {
    // A 1-hour write keeps its ratio to the 5-minute write above the long-context threshold.
    const oneHour = (prices.cacheWrite1h ?? 0) * (rates.cacheWrite / prices.cacheWrite || 1);
    input = Math.max(input, rates.input, rates.cacheRead, rates.cacheWrite, oneHour);
    output = Math.max(output, rates.output);
  }
  return { input, output };
}
