import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { UserError } from '../spec/errors.ts';
import { withDeclaredPrices } from './declared-prices.ts';
import { loadPriceTable, type PriceTable } from './price-table.ts';

/**
 * The price table every command uses: `pricing.tablePath` (or the shipped table) with the prices
 * declared under `models` in the config merged in.
 *
 * @throws UserError `config-invalid` when the table cannot be read or is invalid, or two `models`
 *   entries price one key differently.
 */
export function loadConfiguredPriceTable(config: Pick<Config, 'pricing' | 'models'>): PriceTable {
  return withDeclaredPrices(readTable(config.pricing.tablePath), config.models);
}

/**
 * The price table at `path` (LiteLLM layout), or the shipped one when `path` is `null`.
 *
 * @throws UserError `config-invalid` when the file cannot be read or is not a valid table.
 */
export function readTable(path: string | null): PriceTable {
  if (path === null) return loadPriceTable();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(
      'config-invalid',
      `cannot read the price table ${path}: ${(error as Error).message}`,
      {
        hint: 'pricing.tablePath names a JSON file in LiteLLM layout, relative to the current directory',
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError('config-invalid', `the price table ${path} is not JSON: ${(error as Error).message}`);
  }
  return loadPriceTable(json);
}
