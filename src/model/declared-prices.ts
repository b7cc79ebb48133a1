import { createHash } from 'node:crypto';
import { UserError } from '../spec/index.ts';
import type { PriceTable } from './price-table.ts';

/** A model's price as declared in the config (`models`), USD per million tokens. */
export interface DeclaredPrice {
  inputPerMTok?: number | undefined;
  outputPerMTok?: number | undefined;
  /** Default: the input price. */
  cacheReadPerMTok?: number | undefined;
  /** Default: the input price. */
  cacheWritePerMTok?: number | undefined;
  contextWindow?: number | undefined;
}

/**
 * The price key of a `models` entry: a price key as it is, a full `openai-compatible:MODEL@URL` spec
 * without its URL (a model's price does not depend on the server that runs it).
 */
export function priceKeyOf(keyOrSpec: string): string {
  const at = keyOrSpec.indexOf('@');
  return at === -1 ? keyOrSpec : keyOrSpec.slice(0, at);
}

/**
 * `table` with the prices declared in the config added, replacing the table's own for the same key.
 * Entries without a price (only timeouts) are ignored. The version becomes `VERSION+config-HASH` so
 * every cost recorded says its prices came partly from the config.
 *
 * @throws UserError `config-invalid` when two entries name the same price key with different prices.
 */
export function withDeclaredPrices(
  table: PriceTable,
  declared: Readonly<Record<string, DeclaredPrice>>,
): PriceTable {
  const models = { ...table.models };
  const seen = new Map<string, string>();
  for (const [name, entry] of Object.entries(declared)) {
    if (entry.inputPerMTok === undefined || entry.outputPerMTok === undefined) continue;
    const key = priceKeyOf(name);
    const text = JSON.stringify(entry);
    const earlier = seen.get(key);
    if (earlier !== undefined && earlier !== text) {
      throw new UserError('config-invalid', `models: two entries give ${key} different prices`, {
        hint: 'a price belongs to the model, whatever server runs it: keep one entry per price key',
      });
    }
    seen.set(key, text);
    const separator = key.indexOf(':');
    models[key] = {
      provider: key.slice(0, separator),
      model: key.slice(separator + 1),
      input: entry.inputPerMTok,
      output: entry.outputPerMTok,
      cacheWrite: entry.cacheWritePerMTok ?? entry.inputPerMTok,
      cacheWrite1h: undefined,
      cacheRead: entry.cacheReadPerMTok ?? entry.inputPerMTok,
      batchInput: undefined,
      batchOutput: undefined,
      longContext: undefined,
      // A self-hosted model joins a router tier by being listed in router.tiers with its full spec.
      tier: undefined,
      contextWindow: entry.contextWindow,
      maxOutputTokens: undefined,
    };
  }
  if (seen.size === 0) return table;
  const hash = createHash('sha256')
    .update(JSON.stringify([...seen].sort()))
    .digest('hex')
    .slice(0, 8);
  return { version: `${table.version}+config-${hash}`, models };
}

/**
 * `table` with `key` priced at 0 and marked `unpriced` (its real cost is unknown), for an
 * openai-compatible model run under `pricing.allowUnpriced`. A key already priced is left as it is.
 */
export function withUnpricedModel(table: PriceTable, key: string): PriceTable {
  if (Object.hasOwn(table.models, key)) return table;
  const separator = key.indexOf(':');
  return {
    version: table.version,
    models: {
      ...table.models,
      [key]: {
        provider: key.slice(0, separator),
        model: key.slice(separator + 1),
        input: 0,
        output: 0,
        cacheWrite: 0,
        cacheWrite1h: undefined,
        cacheRead: 0,
        batchInput: undefined,
        batchOutput: undefined,
        longContext: undefined,
        tier: undefined,
        contextWindow: undefined,
        maxOutputTokens: undefined,
        unpriced: true,
      },
    },
  };
}
