import { z } from 'zod';
import type { Cost, NormalizedUsage } from '../spec/index.ts';
import { UserError } from '../spec/index.ts';
import { describeIssues } from './internal/describe-issues.ts';
import embeddedPrices from './prices.json' with { type: 'json' };

/**
 * The price key of a scripted model whose file names no `model` to charge as. It has no entry in any
 * price table on purpose (a router must never pick it); `costOf` and `estimateCostUsd` price it at 0.
 */
export const UNPRICED_KEY = 'scripted:unpriced';

const price = z.number().nonnegative();

const modelPriceSchema = z.strictObject({
  input: price.describe('USD per million input tokens that were neither read from nor written to a cache'),
  output: price.describe('USD per million output tokens'),
  cacheWrite: price.describe('USD per million tokens written to a 5-minute prompt cache'),
  cacheWrite1h: price.describe('USD per million tokens written to a 1-hour prompt cache'),
  cacheRead: price.describe('USD per million tokens read from a prompt cache'),
  batchDiscount: z
    .number()
    .min(0)
    .max(1)
    .describe('fraction taken off every price for batch requests, e.g. 0.5'),
  tier: z.enum(['top', 'mid', 'small', 'nano']).describe('capability tier the router chooses by'),
  contextWindow: z.number().int().positive().describe('tokens the model accepts in one request'),
});

const priceTableSchema = z.strictObject({
  version: z.string().min(1).describe('version of the table, recorded with every cost it produces'),
  notes: z.array(z.string()).optional().describe('conventions of the table, for people reading it'),
  models: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*:\S+$/, 'a price key is provider:model, e.g. anthropic:claude-opus-4-7'),
      modelPriceSchema,
    )
    .describe('prices by `provider:model`'),
});

/** Prices of one model, USD per million tokens. */
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The capability tiers, most capable first. */
export type ModelTier = ModelPrice['tier'];

/** A validated price table. */
export interface PriceTable {
  readonly version: string;
  readonly models: Readonly<Record<string, ModelPrice>>;
}

/**
 * Token counts to price: the normalised usage, plus how many of the `cacheWrite` tokens were written with
 * a 1-hour lifetime (Anthropic prices those higher). `undefined` means every cache write was 5-minute.
 */
export interface PricedUsage extends NormalizedUsage {
  cacheWrite1h?: number;
}

/**
 * Validates a price table. Without an argument, returns the table shipped with Warden (`prices.json`).
 *
 * @throws UserError `config-invalid` naming each bad field when `json` is not a valid table.
 */
export function loadPriceTable(json: unknown = embeddedPrices): PriceTable {
  const result = priceTableSchema.safeParse(json);
  if (!result.success) {
    throw new UserError('config-invalid', `price table is invalid:\n${describeIssues(result.error)}`, {
      hint: 'prices are USD per million tokens under models["provider:model"]',
    });
  }
  return { version: result.data.version, models: result.data.models };
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
 * separately, so nothing is counted twice. With `options.batch`, the model's batch discount applies.
 *
 * @throws UserError `price-unknown` when `key` has no price (except {@link UNPRICED_KEY}, which costs 0).
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
  const perMillion =
    usage.input * prices.input +
    usage.output * prices.output +
    usage.cacheRead * prices.cacheRead +
    (usage.cacheWrite - written1h) * prices.cacheWrite +
    written1h * prices.cacheWrite1h;
  const discount = options.batch ? 1 - prices.batchDiscount : 1;
  return { usd: (perMillion / 1_000_000) * discount, priceTableVersion: table.version, priceKey: key };
}

/**
 * The most a call on `key` should cost, for reserving budget before it is made: every input token at the
 * full input price (no cache discount) and `outputTokens` at the output price. Cache writes priced above
 * input are not assumed; the reservation is settled against the real cost afterwards.
 *
 * @throws UserError `price-unknown` when `key` has no price (except {@link UNPRICED_KEY}, which costs 0).
 */
export function estimateCostUsd(
  table: PriceTable,
  key: string,
  inputTokens: number,
  outputTokens: number,
): number {
  if (key === UNPRICED_KEY) return 0;
  const prices = priceFor(table, key);
  return (inputTokens * prices.input + outputTokens * prices.output) / 1_000_000;
}
