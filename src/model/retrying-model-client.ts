import type { ModelClient, ModelRequest, ModelTurn } from '../spec/model.ts';
import { ModelCallError } from './model-call-error.ts';
import { judgeFailure, type RetryPolicy, waitBeforeRetry } from './retry-policy.ts';

export interface RetrySettings extends RetryPolicy {
  /** Waits; tests pass one that records instead. Default: a timer that honours the abort signal. */
  sleep?: (milliseconds: number, signal: AbortSignal | undefined) => Promise<void>;
  /** In [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * `client` with its transient failures retried (the router's policy, for a model used without the
 * router): a retryable `ModelCallError` (408, 429, 5xx, a connection cut, a cut stream, a timeout) is
 * called again after `retry-after` or a jittered backoff, up to `maxAttempts` calls. Each retry and the
 * final give-up go to `request.onRouteDecision` (kinds `retry` and `give-up`, tier `null`), so they are
 * journaled. The retries happen inside one `generate`: one budget reservation covers them all.
 *
 * @throws what `client.generate` throws when it is not retryable; after giving up, a `ModelCallError`
 *   whose message is the last failure's followed by the reason.
 */
export function withRetries(client: ModelClient, settings: RetrySettings): ModelClient {
  const sleep = settings.sleep ?? waitBeforeRetry;
  const random = settings.random ?? Math.random;
  return {
    label: client.label,
    priceKey: client.priceKey,
    provider: client.provider,
    ...(client.unpriced ? { unpriced: true } : {}),
    ...(client.tracksProviderHealth ? { tracksProviderHealth: true } : {}),
    async generate(request: ModelRequest): Promise<ModelTurn> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await client.generate(request);
        } catch (error) {
          const verdict = judgeFailure(settings, error, attempt, client.label, random);
          if (verdict === undefined || !(error instanceof ModelCallError)) throw error;
          const decision = { model: client.label, tier: null, reason: verdict.reason };
          if (verdict.kind === 'give-up') {
            await request.onRouteDecision?.({ kind: 'give-up', ...decision, attempt, waitMs: 0 });
            const why =
              attempt >= settings.maxAttempts
                ? ` (${attempt} attempts, giving up)`
                : `; gave up: ${verdict.reason}`;
            throw new ModelCallError(`${error.message}${why}`, {
              status: error.status,
              retryAfterMs: error.retryAfterMs,
              isRetryable: true,
              cause: error,
              hint: error.hint,
            });
          }
          await request.onRouteDecision?.({
            kind: 'retry',
            ...decision,
            attempt: attempt + 1,
            waitMs: verdict.waitMs,
          });
          if (verdict.waitMs > 0) await sleep(verdict.waitMs, request.abortSignal);
        }
      }
    },
  };
}
