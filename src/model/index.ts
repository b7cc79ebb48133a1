export type {
  ModelClient,
  ModelProvider,
  ModelRequest,
  ModelTool,
  ModelTurn,
  PricedUsage,
  ProviderHealth,
  RouteDecision,
} from '../spec/index.ts';
export { loadConfiguredPriceTable, readTable } from './configured-price-table.ts';
export type { DeclaredPrice } from './declared-prices.ts';
export { priceKeyOf, withDeclaredPrices, withUnpricedModel } from './declared-prices.ts';
export type { BatchSettings } from './internal/batch-fetch.ts';
export type { ModelCallErrorOptions } from './model-call-error.ts';
export { ModelCallError } from './model-call-error.ts';
export type { ModelClientOptions, ModelTimeouts } from './model-client.ts';
export { createModelClient } from './model-client.ts';
export type { RoutedModelClient, RoutedModelSettings, RoutePlan } from './model-router.ts';
export { createRoutedModelClient, pickTier, tierModelSpecs, tiersFrom } from './model-router.ts';
export type { ModelSpec } from './model-spec.ts';
export { parseModelSpec } from './model-spec.ts';
export type { LongContextPrice, ModelPrice, ModelTier, PriceTable } from './price-table.ts';
export {
  costOf,
  estimateCostUsd,
  loadPriceTable,
  MODEL_TIERS,
  priceFor,
  UNPRICED_KEY,
} from './price-table.ts';
export type { RetryPolicy, RetryVerdict } from './retry-policy.ts';
export { judgeFailure } from './retry-policy.ts';
export type { RetrySettings } from './retrying-model-client.ts';
export { withRetries } from './retrying-model-client.ts';
export type { ScriptedFile, ScriptedTurn, ScriptedUsage } from './scripted-file.ts';
export { parseScriptedFile, readScriptedFile } from './scripted-file.ts';
export { ScriptedModel } from './scripted-model.ts';
export type { TaskModels } from './task-models.ts';
export { createTaskModels, timeoutsOf } from './task-models.ts';
export type { UsageLimits, UsageVerdict } from './validate-usage.ts';
export { validateUsage } from './validate-usage.ts';
