import type { Config } from '../config/index.ts';
import type { Environment } from '../spec/env.ts';
import { UserError, WardenError } from '../spec/errors.ts';
import type { ModelClient, ProviderHealth } from '../spec/model.ts';
import { priceKeyOf, withUnpricedModel } from './declared-prices.ts';
import type { BatchSettings } from './internal/batch-fetch.ts';
import { createModelClient, type ModelTimeouts } from './model-client.ts';
import {
  createRoutedModelClient,
  pickTier,
  type RoutedModelClient,
  tierModelSpecs,
  tiersFrom,
} from './model-router.ts';
import type { ModelTier, PriceTable } from './price-table.ts';
import { withRetries } from './retrying-model-client.ts';

/** The prefix of the model name recorded on a routed task (`router:mid`). */
const ROUTED = 'router:';

/** The models a task runs with: the one it starts on and, for the cascade, the tiers above it. */
export interface TaskModels {
  model: ModelClient;
  higherTiers: ModelClient[];
  /** What the task records as its model: the spec, or `router:TIER`. */
  modelName: string;
  /** The price table given, plus a $0 entry for each unpriced model let run (`pricing.allowUnpriced`). */
  priceTable: PriceTable;
}

/**
 * A named model (`--model`, or `model` in the config when the router is off) as a single client whose
 * transient failures are retried (`provider.retry`); with
 * `router.enabled`, the routed tier for this agent and, when `router.cascade` is on, each tier above it.
 * A tier's model whose key is missing is left out with a warning; a tier left with none is an error.
 *
 * @throws UserError as `createModelClient` does, or `config-invalid` when the starting tier has no model.
 */
export async function createTaskModels(settings: {
  config: Config;
  env: Environment;
  priceTable: PriceTable;
  /** `--model`, or the model a resumed task recorded. */
  requested: string | undefined;
  /** The task's kind, for `router.routes` `kind:NAME`. */
  kind?: string | undefined;
  /**
   * A pipeline stage's name: `router.routes` `stage:NAME` match it, and a scripted model speaks its
   * role (`roles.NAME`).
   */
  stage?: string | undefined;
  /** The role a scripted model speaks (`roles.NAME`) when it is not the stage's name (`worker:ID`). */
  role?: string | undefined;
  /** The tier the stage declares (`tier:`); it wins over the routes. */
  tier?: ModelTier | undefined;
  /** The circuit breakers' view of each model, for the router; undefined: no breaker is consulted. */
  health: ProviderHealth | undefined;
  /** `agent.batch`: every call through the vendor's batch API. */
  batch: BatchSettings | undefined;
  warn: (message: string) => void;
}): Promise<TaskModels> {
  const { config, env, requested, batch } = settings;
  let priceTable = settings.priceTable;
  /** One model's client: streamed, with its timeouts; an unpriced self-hosted model only when allowed. */
  const clientOf = async (spec: string): Promise<ModelClient> => {
    if (config.pricing.allowUnpriced && spec.startsWith('openai-compatible:')) {
      priceTable = withUnpricedModel(priceTable, priceKeyOf(spec));
    }
    return await createModelClient({
      spec,
      env,
      priceTable,
      batch,
      streaming: config.provider.streaming,
      timeouts: timeoutsOf(config, spec),
      role: settings.role ?? settings.stage,
    });
  };
  const routed = config.router.enabled && (requested === undefined || requested.startsWith(ROUTED));
  if (!routed) {
    const spec = requested ?? config.model;
    if (spec.startsWith(ROUTED)) {
      throw new UserError('config-invalid', `the task was routed (${spec}) but router.enabled is false`);
    }
    const model = withRetries(await clientOf(spec), {
      ...config.provider.retry,
      capField: 'provider.retry.backoffMaxMs',
    });
    return { model, higherTiers: [], modelName: spec, priceTable };
  }
  let start: ModelTier;
  let because: string;
  if (requested) {
    start = requested.slice(ROUTED.length) as ModelTier;
    because = `named ${requested}`;
  } else if (settings.tier) {
    start = settings.tier;
    because = `stage ${settings.stage}'s tier`;
  } else {
    const picked = pickTier(config.router, {
      agent: config.agent.name,
      stage: settings.stage,
      kind: settings.kind,
    });
    start = picked.tier;
    because = picked.route === 'defaultTier' ? 'router.defaultTier' : `route ${picked.route}`;
  }
  const ladder: RoutedModelClient[] = [];
  for (const tier of config.router.cascade ? tiersFrom(start) : [start]) {
    const candidates: ModelClient[] = [];
    for (const spec of tierModelSpecs(config.router, priceTable, tier)) {
      try {
        candidates.push(await clientOf(spec));
      } catch (error) {
        if (!(error instanceof WardenError) || error.code !== 'model-key-missing') throw error;
        settings.warn(`warning: ${spec} left out of the ${tier} tier: ${error.message}\n`);
      }
    }
    if (candidates.length === 0) {
      if (tier === start) {
        throw new UserError('config-invalid', `router: the ${tier} tier has no usable model`, {
          hint: `list models under router.tiers.${tier}, and set their vendors' API keys`,
        });
      }
      continue;
    }
    ladder.push(
      createRoutedModelClient({
        tier,
        because: tier === start ? because : undefined,
        candidates,
        maxAttempts: config.router.maxAttempts,
        backoffBaseMs: config.router.backoffBaseMs,
        backoffMaxMs: config.router.backoffMaxMs,
        priceTable,
        health: settings.health,
      }),
    );
  }
  const [model, ...higherTiers] = ladder;
  return { model: model!, higherTiers, modelName: `${ROUTED}${start}`, priceTable };
}

/**
 * The time limits of `spec`: its `models` entry (by full spec, else by price key) over
 * `provider.timeouts`, each naming the config field it came from.
 */
export function timeoutsOf(config: Config, spec: string): ModelTimeouts {
  const key = priceKeyOf(spec);
  const name = Object.hasOwn(config.models, spec)
    ? spec
    : Object.hasOwn(config.models, key)
      ? key
      : undefined;
  const own = name === undefined ? undefined : config.models[name]?.timeouts;
  const field = (limit: 'firstByteMs' | 'totalMs') =>
    own?.[limit] !== undefined ? `models."${name}".timeouts.${limit}` : `provider.timeouts.${limit}`;
  return {
    firstByteMs: own?.firstByteMs ?? config.provider.timeouts.firstByteMs,
    totalMs: own?.totalMs ?? config.provider.timeouts.totalMs,
    firstByteField: field('firstByteMs'),
    totalField: field('totalMs'),
  };
}
