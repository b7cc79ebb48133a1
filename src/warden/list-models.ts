import { MODEL_TIERS, type ModelPrice, type PriceTable } from '../model/index.ts';

/** The price table's models in the order `warden models` lists them: by provider, tier, then key. */
export function sortedModels(table: PriceTable): [string, ModelPrice][] {
  const rank = (price: ModelPrice) => (price.tier ? MODEL_TIERS.indexOf(price.tier) : MODEL_TIERS.length);
  return Object.entries(table.models).sort(
    ([leftKey, left], [rightKey, right]) =>
      left.provider.localeCompare(right.provider) ||
      rank(left) - rank(right) ||
      leftKey.localeCompare(rightKey),
  );
}
