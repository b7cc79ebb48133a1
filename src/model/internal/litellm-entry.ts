import { z } from 'zod';

const cost = z.number().nonnegative();

/**
 * The fields Warden reads from one entry of a LiteLLM `model_prices_and_context_window.json` (USD per
 * token). Every other field is kept out of the way, so a whole LiteLLM file can be dropped in.
 */
export const litellmEntrySchema = z.looseObject({
  litellm_provider: z.string().min(1).describe('the provider, e.g. anthropic or openai'),
  mode: z.string().optional().describe('chat, completion, embedding…; Warden prices chat models'),
  max_input_tokens: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  max_tokens: z.number().int().positive().optional(),
  input_cost_per_token: cost.optional(),
  output_cost_per_token: cost.optional(),
  cache_creation_input_token_cost: cost.optional(),
  cache_creation_input_token_cost_above_1hr: cost.optional(),
  cache_read_input_token_cost: cost.optional(),
  input_cost_per_token_batches: cost.optional(),
  output_cost_per_token_batches: cost.optional(),
  input_cost_per_token_above_200k_tokens: cost.optional(),
  output_cost_per_token_above_200k_tokens: cost.optional(),
  cache_creation_input_token_cost_above_200k_tokens: cost.optional(),
  cache_read_input_token_cost_above_200k_tokens: cost.optional(),
  warden_tier: z.enum(['top', 'mid', 'small', 'nano']).optional(),
});

/** One LiteLLM entry as parsed. */
export type LitellmEntry = z.infer<typeof litellmEntrySchema>;

/** The table's own metadata entry (Warden's), skipped as a model. */
export const metaEntrySchema = z.strictObject({
  version: z.string().min(1),
  notes: z.array(z.string()).optional(),
});

/** Keys of a LiteLLM file that are not models. */
export const NON_MODEL_KEYS = new Set(['sample_spec', 'warden_price_table']);

/** USD per token to USD per million tokens, without the float noise of `5e-6 * 1e6`. */
export function perMillion(perToken: number): number;
export function perMillion(perToken: number | undefined): number | undefined;
export function perMillion(perToken: number | undefined): number | undefined {
  if (perToken === undefined) return undefined;
  return Math.round(perToken * 1e6 * 1e9) / 1e9;
}
