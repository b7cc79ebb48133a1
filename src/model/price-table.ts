import { createHash } from 'node:crypto';
import type { Cost, PricedUsage } from '../spec/index.ts';
import { UserError } from '../spec/index.ts';
import { describeIssues } from './internal/describe-issues.ts';
import type { LitellmEntry } from './internal/litellm-entry.ts';
import { litellmEntrySchema, metaEntrySchema, NON_MODEL_KEYS, perMillion } from './internal/litellm-entry.ts';
import embeddedPrices from './prices.json' with { type: 'json' };

/**
 * The price key of a scripted model whose file names no `model` to charge as. It has no entry in any
 * price table on purpose (a router must never pick it); `costOf` and `estimateCostUsd` price it at 0.
 */
export const UNPRICED_KEY = 'scripted:unpriced';

/** The capability tiers, most capable first. */
export type ModelTier = 'top' | 'mid' | 'small' | 'nano';

/** Every tier, most capable first. */
export const MODEL_TIERS: readonly ModelTier[] = ['top', 'mid', 'small', 'nano'];

/** Prices of a prompt above the long-context threshold, USD per million tokens. */
export interface LongContextPrice {
  /** A request whose whole prompt (input plus cache reads and writes) is above this many tokens. */
  thresholdTokens: number;
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Prices of one model, USD per million tokens (the table itself stores LiteLLM's USD per token). */
export interface ModelPrice {
  /** LiteLLM's `litellm_provider`. */
  provider: string;
  /** The model's name at the provider. */
  model: string;
  /** Input tokens that were neither read from nor written to a cache. */
  input: number;
  output: number;
  /** Tokens written to a 5-minute prompt cache (the input price when the vendor charges nothing extra). */
  cacheWrite: number;
  /** Tokens written to a 1-hour prompt cache; `undefined` when the table has no such price. */
  cacheWrite1h: number | undefined;
  cacheRead: number;
  /** Input through the vendor's batch API; `undefined` when the model has no batch price. */
  batchInput: number | undefined;
  /** Output through the vendor's batch API; `undefined` when the model has no batch price. */
  batchOutput: number | undefined;
  /** `undefined` when the model has one price whatever the prompt's length. */
  longContext: LongContextPrice | undefined;
  /** `undefined` when the table does not rank the model (it can still be named in a router tier). */
  tier: ModelTier | undefined;
  /** Tokens the model accepts in one request; `undefined` when the table does not say. */
  contextWindow: number | undefined;
  /** `undefined` when the table does not say. */
  maxOutputTokens: number | undefined;
  /**
   * True for a model with no known price let run at $0 (`pricing.allowUnpriced`): its costs read 0 but
   * are not real. Undefined for every priced model.
   */
  unpriced?: true;
}

/** A validated price table. */
export interface PriceTable {
  /** The table's `warden_price_table.version`, else `sha256-…` of its content; recorded with every cost. */
  readonly version: string;
  /** Prices by Warden price key, `provider:model`. */
  readonly models: Readonly<Record<string, ModelPrice>>;
}

const LONG_CONTEXT_THRESHOLD = 200_000;
const PRICE_KEY = /^[a-z][a-z0-9_-]*:\S+$/;

/**
 * Validates a price table in LiteLLM's `model_prices_and_context_window.json` layout (an object of model
 * name to entry, USD per token; `sample_spec` is skipped; Warden's own `warden_price_table` entry holds
 * the version). Without an argument, returns the table shipped with Warden (`prices.json`). Entries that
 * are not chat models or have no input and output price are left out; a model is keyed
 * `litellm_provider:name` (a `provider/` prefix on the name is dropped).
 *
 * @throws UserError `config-invalid` naming each bad field when `json` is not a valid table.
 */
export function loadPriceTable(json: unknown = embeddedPrices): PriceTable {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidTable('(root): expected an object of model name to LiteLLM price entry');
  }
  const problems: string[] = [];
  const models: Record<string, ModelPrice> = {};
  let version: string | undefined;
  const meta = (json as Record<string, unknown>).warden_price_table;
  if (meta !== undefined) {
    const parsed = metaEntrySchema.safeParse(meta);
    if (parsed.success) version = parsed.data.version;
    else problems.push(prefixed('warden_price_table', describeIssues(parsed.error)));
  }
  // Bare names first, so `gpt-5.1` wins over a provider-prefixed duplicate such as `openai/gpt-5.1`.
  const names = Object.keys(json).sort(
    (left, right) => Number(left.includes('/')) - Number(right.includes('/')),
  );
  for (const name of names) {
    if (NON_MODEL_KEYS.has(name)) continue;
    const parsed = litellmEntrySchema.safeParse((json as Record<string, unknown>)[name]);
    if (!parsed.success) {
      problems.push(prefixed(name, describeIssues(parsed.error)));
      continue;
    }
    const entry = parsed.data;
    if (!isPricedChat(entry)) {
      if (entry.warden_tier !== undefined) {
        problems.push(
          `${name}: a tiered model needs mode chat and input_cost_per_token and output_cost_per_token`,
        );
      }
      continue;
    }
    const model = name.startsWith(`${entry.litellm_provider}/`)
      ? name.slice(entry.litellm_provider.length + 1)
      : name;
    const key = `${entry.litellm_provider}:${model}`;
    if (!PRICE_KEY.test(key)) {
      problems.push(`${name}: ${key} is not a price key (provider:model, e.g. anthropic:claude-opus-4-7)`);
      continue;
    }
    models[key] ??= toModelPrice(entry, model);
  }
  if (problems.length > 0) throw invalidTable(problems.join('\n'));
  return { version: version ?? contentVersion(json), models };
}

/**
 * The prices of `key` (`provider:model`).
 *
 * @throws UserError `price-unknown` when the table has no entry for `key`; an unknown price is never 0.
 */
export function priceFor(table: PriceTable, key: string): ModelPrice {
  const entry = Object.hasOwn(table.models, key) ? table.models[key] : undefined;
  if (entry === undefined) {
    throw new UserError('price-unknown', `no price for model ${key} in price table ${table.version}`, {
      hint: `add "${key}" to the price table, or pick one of: ${Object.keys(table.models).join(', ')}`,
    });
  }
  return entry;
}

/**
 * What `usage` cost on `key`. `usage.input` must exclude cache tokens: cache reads and writes are priced
 * separately, so nothing is counted twice. A prompt above the model's long-context threshold is priced at
 * the long-context rates. With `options.batch`, the batch prices apply (cache tokens discounted in the
 * same proportion as input).
 *
 * @throws UserError `price-unknown` when `key` has no price (except {@link UNPRICED_KEY}, which costs 0),
 *   when `usage` has 1-hour cache writes and the table has no 1-hour price (they are never priced at the
 *   5-minute rate), or when a batch is priced for a model without batch prices.
 */
export function costOf(
  table: PriceTable,
  key: string,
  usage: PricedUsage,
  options: { batch?: boolean } = {},
): Cost {
  if (key === UNPRICED_KEY) return { usd: 0, priceTableVersion: table.version, priceKey: key };
  const prices = priceFor(table, key);
  const written1h = Math.min(usage.cacheWrite1h ?? 0, usage.cacheWrite);
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  const long = prices.longContext !== undefined && prompt > prices.longContext.thresholdTokens;
  const rates = long && prices.longContext ? prices.longContext : prices;
  if (written1h > 0 && prices.cacheWrite1h === undefined) {
    throw new UserError(
      'price-unknown',
      `price table ${table.version} has no 1-hour cache write price for ${key}`,
      {
        hint: `add cache_creation_input_token_cost_above_1hr to "${prices.model}"; 1-hour writes are never priced at the 5-minute rate`,
      },
    );
  }
  // The 1-hour write keeps its ratio to the 5-minute write above the long-context threshold.
  const oneHour = (prices.cacheWrite1h ?? 0) * (rates.cacheWrite / prices.cacheWrite || 1);
  let inputScale = 1;
  let outputRate = rates.output;
  let inputRate = rates.input;
  if (options.batch) {
    if (prices.batchInput === undefined || prices.batchOutput === undefined) {
      throw new UserError('price-unknown', `price table ${table.version} has no batch price for ${key}`, {
        hint: `add input_cost_per_token_batches and output_cost_per_token_batches to "${prices.model}"`,
      });
    }
    inputScale = prices.input === 0 ? 1 : prices.batchInput / prices.input;
    inputRate = rates.input * inputScale;
    outputRate = rates.output * (prices.output === 0 ? 1 : prices.batchOutput / prices.output);
  }
  const total =
    usage.input * inputRate +
    usage.output * outputRate +
    (usage.cacheRead * rates.cacheRead +
      (usage.cacheWrite - written1h) * rates.cacheWrite +
      written1h * oneHour) *
      inputScale;
  return { usd: total / 1_000_000, priceTableVersion: table.version, priceKey: key };
}

/**
 * The most a call on `key` should cost, for reserving budget before it is made: every input token at the
 * dearest input-side price it could be billed at (a cache write, which Warden's layout makes 5-minute
 * unless `options.cacheTtl` is `1h`; long-context rates when the prompt crosses the threshold) and
 * `outputTokens` at the output price. The reservation is settled against the real cost afterwards.
 *
 * @throws UserError `price-unknown` when `key` has no price (except {@link UNPRICED_KEY}, which costs 0),
 *   or when `options.cacheTtl` is `1h` and the model has no 1-hour cache write price.
 */
export function estimateCostUsd(
  table: PriceTable,
  key: string,
  inputTokens: number,
  outputTokens: number,
  options: { cacheTtl?: '5m' | '1h' } = {},
): number {
  if (key === UNPRICED_KEY) return 0;
  const prices = priceFor(table, key);
  const long = prices.longContext !== undefined && inputTokens > prices.longContext.thresholdTokens;
  const rates = long && prices.longContext ? prices.longContext : prices;
  let write = rates.cacheWrite;
  if (options.cacheTtl === '1h') {
    if (prices.cacheWrite1h === undefined) {
      throw new UserError(
        'price-unknown',
        `price table ${table.version} has no 1-hour cache write price for ${key}`,
      );
    }
    write = prices.cacheWrite1h * (rates.cacheWrite / prices.cacheWrite || 1);
  }
  const inputRate = Math.max(rates.input, write);
  return (inputTokens * inputRate + outputTokens * rates.output) / 1_000_000;
}

function isPricedChat(entry: LitellmEntry): entry is LitellmEntry & {
  input_cost_per_token: number;
  output_cost_per_token: number;
} {
  const chat = entry.mode === undefined || entry.mode === 'chat' || entry.mode === 'responses';
  return chat && entry.input_cost_per_token !== undefined && entry.output_cost_per_token !== undefined;
}

function toModelPrice(
  entry: LitellmEntry & { input_cost_per_token: number; output_cost_per_token: number },
  model: string,
): ModelPrice {
  const input = perMillion(entry.input_cost_per_token);
  const output = perMillion(entry.output_cost_per_token);
  const cacheWrite = perMillion(entry.cache_creation_input_token_cost) ?? input;
  const cacheRead = perMillion(entry.cache_read_input_token_cost) ?? input;
  const longInput = perMillion(entry.input_cost_per_token_above_200k_tokens);
  const longOutput = perMillion(entry.output_cost_per_token_above_200k_tokens);
  return {
    provider: entry.litellm_provider,
    model,
    input,
    output,
    cacheWrite,
    cacheWrite1h: perMillion(entry.cache_creation_input_token_cost_above_1hr),
    cacheRead,
    batchInput: perMillion(entry.input_cost_per_token_batches),
    batchOutput: perMillion(entry.output_cost_per_token_batches),
    longContext:
      longInput === undefined && longOutput === undefined
        ? undefined
        : {
            thresholdTokens: LONG_CONTEXT_THRESHOLD,
            input: longInput ?? input,
            output: longOutput ?? output,
            cacheWrite: perMillion(entry.cache_creation_input_token_cost_above_200k_tokens) ?? cacheWrite,
            cacheRead: perMillion(entry.cache_read_input_token_cost_above_200k_tokens) ?? cacheRead,
          },
    tier: entry.warden_tier,
    contextWindow: entry.max_input_tokens ?? entry.max_tokens,
    maxOutputTokens: entry.max_output_tokens,
  };
}

function contentVersion(json: object): string {
  return `sha256-${createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 12)}`;
}

function prefixed(name: string, issues: string): string {
  return issues
    .split('\n')
    .map((line) => `${name}.${line.replace(/^\(root\)/, '').replace(/^\.?/, '')}`.replace(/\.:/, ':'))
    .join('\n');
}

function invalidTable(detail: string): UserError {
  return new UserError('config-invalid', `price table is invalid:\n${detail}`, {
    hint: "use LiteLLM's model_prices_and_context_window.json layout: USD per token, keyed by model name",
  });
}
