import path from 'node:path';
import type { LocalizeSettings } from '../agent/index.ts';
import type { Config } from '../config/index.ts';
import { type CircuitBreakers, describeOpenBreaker } from '../guard/index.ts';
import { createTaskModels, type PriceTable } from '../model/index.ts';
import type { Environment } from '../spec/env.ts';

/**
 * A task's `agent.localize` as it runs: the cache directory under `cacheDir`, and the rerank's model
 * made now, so a bad spec or a tier without a usable model is the user's mistake before the task starts.
 * The rerank runs on `rerank.model` when named; with `router.enabled`, on the `rerank.tier` tier's model
 * (the router's choice among them, without the cascade); otherwise on the task's own model (`--model`,
 * else `model`), where a scripted file answers as its role `rerank`. Null when localization is off.
 *
 * @throws UserError as `createTaskModels` does.
 */
export async function localizeSettingsOf(settings: {
  config: Config;
  env: Environment;
  priceTable: PriceTable;
  /** `--model`, or the model a resumed task recorded. */
  requested: string | undefined;
  breakers: CircuitBreakers;
  /** `<dataDir>/cache`; undefined: nothing cached. */
  cacheDir?: string | undefined;
  warn: (text: string) => void;
}): Promise<LocalizeSettings | null> {
  const { config, breakers } = settings;
  const localize = config.agent.localize;
  if (!localize) return null;
  const { rerank, ...rest } = localize;
  const cacheDir = settings.cacheDir === undefined ? undefined : path.join(settings.cacheDir, 'context');
  if (!rerank) return { ...rest, cacheDir };
  const models = await createTaskModels({
    config: { ...config, router: { ...config.router, cascade: false } },
    env: settings.env,
    priceTable: settings.priceTable,
    requested: rerank.model ?? (config.router.enabled ? `router:${rerank.tier}` : settings.requested),
    tier: rerank.tier,
    stage: 'rerank',
    role: 'rerank',
    health: {
      openBreaker: async (modelKey) => {
        const open = await breakers.check([`model:${modelKey}`]);
        return open && describeOpenBreaker(open);
      },
      record: async (modelKey, failed, detail) => {
        await breakers.record({ type: 'model-call', modelKey, failed, detail });
      },
    },
    // Latency matters before the first turn: never through a batch API.
    batch: undefined,
    warn: settings.warn,
  });
  return {
    ...rest,
    cacheDir,
    rerank: {
      model: models.model,
      priceTable: models.priceTable,
      candidates: rerank.candidates,
      maxOutputTokens: rerank.maxOutputTokens,
    },
  };
}
