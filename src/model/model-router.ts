import { BreakerOpenError, describeError, type OpenBreakerNotice } from '../spec/errors.ts';
import type { ModelClient, ModelRequest, ModelTurn, ProviderHealth, RouteDecision } from '../spec/model.ts';
import { ModelCallError } from './model-call-error.ts';
import { estimateCostUsd, MODEL_TIERS, type ModelTier, type PriceTable } from './price-table.ts';
import { judgeFailure, type RetryPolicy, waitBeforeRetry } from './retry-policy.ts';

export interface RoutedModelSettings {
  tier: string;
  /** Why calls start on this tier (`route kind:triage`), said in the first `pick` decision's reason. */
  because?: string | undefined;
  /** The tier's models in fallback order; at least one. */
  candidates: readonly ModelClient[];
  /** Calls per model before moving to the next one (on 429, 5xx, timeouts, overload). */
  maxAttempts: number;
  /** First retry delay; doubled per attempt, with full jitter. */
  backoffBaseMs: number;
  /** The longest wait; a `retry-after` above it moves to the next model instead of waiting. */
  backoffMaxMs: number;
  priceTable: PriceTable;
  /** Undefined: every model is tried whatever its provider's record. */
  health?: ProviderHealth | undefined;
  /** Waits; tests pass one that records instead. Default: a timer that honours the abort signal. */
  sleep?: (milliseconds: number, signal: AbortSignal | undefined) => Promise<void>;
  /** In [0, 1); default `Math.random`. */
  random?: () => number;
}

/** A model client that routes: the models of one tier, with retries and fallback. */
export interface RoutedModelClient extends ModelClient {
  readonly tier: string;
  readonly candidates: readonly ModelClient[];
}

/**
 * The models of one tier as one client: a call starts on the first model whose provider breaker is not
 * open; a retryable failure (429, 5xx, timeout, overload) is retried on the same model up to
 * `maxAttempts` times, waiting `retry-after` when the vendor gave one, else a full-jitter exponential
 * backoff (the shared policy of `retry-policy.ts`); then, or at once when `retry-after` is above
 * `backoffMaxMs`, the router gives up on the model and falls back to the next. Every decision, each
 * `give-up` with its reason included, goes to `request.onRouteDecision`. A non-retryable failure (a
 * bad request, a missing key, a garbage reply) ends the call at once.
 *
 * `priceKey` is the most expensive candidate's, so a budget reserved for it covers any fallback; each
 * turn's `cost.priceKey` names the model that answered.
 */
export function createRoutedModelClient(settings: RoutedModelSettings): RoutedModelClient {
  const { candidates, tier, health } = settings;
  const first = candidates[0];
  if (!first) throw new TypeError('a routed model needs at least one candidate');
  const sleep = settings.sleep ?? waitBeforeRetry;
  const policy: RetryPolicy = {
    maxAttempts: settings.maxAttempts,
    backoffBaseMs: settings.backoffBaseMs,
    backoffMaxMs: settings.backoffMaxMs,
    capField: 'router.backoffMaxMs',
  };
  const random = settings.random ?? Math.random;
  const unitCost = (client: ModelClient) => estimateCostUsd(settings.priceTable, client.priceKey, 1e6, 1e6);
  const priciest = candidates.reduce((most, client) => (unitCost(client) > unitCost(most) ? client : most));

  return {
    tier,
    candidates,
    label:
      candidates.length === 1 ? first.label : `${tier} tier: ${candidates.map((c) => c.label).join(' → ')}`,
    priceKey: priciest.priceKey,
    provider: first.provider,
    tracksProviderHealth: health !== undefined,
    async generate(request: ModelRequest): Promise<ModelTurn> {
      const decide = (decision: RouteDecision) => request.onRouteDecision?.(decision) ?? Promise.resolve();
      let failure: unknown;
      const skipped: OpenBreakerNotice[] = [];
      let why = `first model of the ${tier} tier${settings.because ? ` (${settings.because})` : ''}`;
      for (const [index, client] of candidates.entries()) {
        const open = await health?.openBreaker(client.priceKey);
        if (open) {
          skipped.push(open);
          await decide({
            kind: 'skip',
            model: client.label,
            tier,
            attempt: 0,
            reason: 'its provider breaker is open',
            waitMs: 0,
          });
          why = `${client.label} was skipped (provider breaker open)`;
          continue;
        }
        let waitMs = 0;
        for (let attempt = 1; ; attempt += 1) {
          const kind = attempt > 1 ? 'retry' : index === 0 && failure === undefined ? 'pick' : 'fallback';
          await decide({ kind, model: client.label, tier, attempt, reason: why, waitMs });
          if (waitMs > 0) await sleep(waitMs, request.abortSignal);
          try {
            const turn = await client.generate(request);
            await health?.record(client.priceKey, false);
            return turn;
          } catch (error) {
            const verdict = judgeFailure(policy, error, attempt, client.label, random);
            if (verdict === undefined) throw error;
            failure = error;
            why = verdict.reason;
            if (verdict.kind === 'give-up') {
              await decide({ kind: 'give-up', model: client.label, tier, attempt, reason: why, waitMs: 0 });
              break;
            }
            waitMs = verdict.waitMs;
          }
        }
        // One failed call per model, whatever its retries: the breaker counts calls, not attempts.
        await health?.record(client.priceKey, true, describeError(failure));
      }
      if (failure instanceof ModelCallError) {
        throw new ModelCallError(`every model of the ${tier} tier failed; last: ${failure.message}`, {
          status: failure.status,
          retryAfterMs: failure.retryAfterMs,
          isRetryable: true,
          cause: failure,
        });
      }
      throw new BreakerOpenError(
        `every model of the ${tier} tier is unavailable: ${skipped.map((open) => open.description).join('; and ')}`,
        skipped,
      );
    },
  };
}

/** The tiers from `tier` up to the top, cheapest first: the cascade's ladder. */
export function tiersFrom(tier: ModelTier): ModelTier[] {
  return MODEL_TIERS.slice(0, MODEL_TIERS.indexOf(tier) + 1).reverse();
}

/** The router's part of the config. */
export interface RoutePlan {
  /** Ordered model specs per tier; a tier left out takes the price table's models of that tier. */
  tiers: Partial<Record<ModelTier, readonly string[]>>;
  /** Tier by `agent:NAME`, `stage:NAME` or `kind:NAME`. */
  routes: Readonly<Record<string, ModelTier>>;
  defaultTier: ModelTier;
}

/**
 * The tier for a call: the most specific route that matches (kind, then stage, then agent), else the
 * default; `route` says which (`kind:triage`, or `defaultTier`), for the journal.
 */
export function pickTier(
  plan: RoutePlan,
  key: { agent?: string | undefined; stage?: string | undefined; kind?: string | undefined },
): { tier: ModelTier; route: string } {
  for (const [prefix, name] of [
    ['kind', key.kind],
    ['stage', key.stage],
    ['agent', key.agent],
  ] as const) {
    const route = `${prefix}:${name}`;
    const tier = name === undefined ? undefined : plan.routes[route];
    if (tier) return { tier, route };
  }
  return { tier: plan.defaultTier, route: 'defaultTier' };
}

/**
 * The model specs of a tier: the configured list, else every model the price table ranks in that tier
 * (cheapest first, so the fallback order is deterministic). Empty when neither has one.
 */
export function tierModelSpecs(plan: RoutePlan, table: PriceTable, tier: ModelTier): string[] {
  const configured = plan.tiers[tier];
  if (configured) return [...configured];
  return Object.entries(table.models)
    .filter(([, price]) => price.tier === tier)
    .sort(
      ([a], [b]) =>
        estimateCostUsd(table, a, 1e6, 1e6) - estimateCostUsd(table, b, 1e6, 1e6) || a.localeCompare(b),
    )
    .map(([key]) => key);
}
