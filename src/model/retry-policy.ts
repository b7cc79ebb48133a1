import { setTimeout as sleepFor } from 'node:timers/promises';
import { ModelCallError } from './model-call-error.ts';

/** How a failed model call is retried on the same model. */
export interface RetryPolicy {
  /** Calls per model, the first included; 1 means no retry. */
  maxAttempts: number;
  /** First retry delay; doubled per attempt, with full jitter. */
  backoffBaseMs: number;
  /** The longest wait; a `retry-after` above it is given up on at once instead of waited for. */
  backoffMaxMs: number;
  /** The config field that sets `backoffMaxMs`, named in a give-up reason (`provider.retry.backoffMaxMs`). */
  capField?: string | undefined;
}

/** What to do after a failed attempt: wait and call again, or give up on this model (and why). */
export type RetryVerdict =
  | { kind: 'retry'; waitMs: number; reason: string }
  | { kind: 'give-up'; reason: string };

/**
 * Judges attempt `attempt` (from 1) on `label` that failed with `error`. Retryable failures (408, 429,
 * 5xx, overload, connection resets, cut streams, timeouts: a `ModelCallError` with `isRetryable`) are
 * retried after the vendor's `retry-after` when it gave one, else a full-jitter exponential backoff;
 * `undefined` means the failure is not retryable and must be thrown as it is.
 */
export function judgeFailure(
  policy: RetryPolicy,
  error: unknown,
  attempt: number,
  label: string,
  random: () => number = Math.random,
): RetryVerdict | undefined {
  if (!(error instanceof ModelCallError) || !error.isRetryable) return undefined;
  const what = error.status === undefined ? shortCause(error) : `HTTP ${error.status}`;
  if (attempt >= policy.maxAttempts) {
    return {
      kind: 'give-up',
      reason: `${what} from ${label} ${policy.maxAttempts} time${policy.maxAttempts === 1 ? '' : 's'}`,
    };
  }
  if (error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > policy.backoffMaxMs) {
      const cap = policy.capField ? ` (${policy.capField})` : '';
      return {
        kind: 'give-up',
        reason: `${what} from ${label} asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s, longer than the ${Math.ceil(policy.backoffMaxMs / 1000)} s cap${cap}`,
      };
    }
    const waitMs = Math.ceil(error.retryAfterMs);
    return { kind: 'retry', waitMs, reason: `${what} from ${label}, retry-after ${waitMs} ms` };
  }
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  const waitMs = Math.floor(random() * ceiling);
  return { kind: 'retry', waitMs, reason: `${what} from ${label}, backing off ${waitMs} ms` };
}

/** Waits `milliseconds`, or rejects with an `AbortError` as soon as `signal` aborts. */
export function waitBeforeRetry(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return sleepFor(milliseconds, undefined, { signal });
}

/** The failure without the model's label in front, for a reason that already names the model. */
function shortCause(error: ModelCallError): string {
  const text = error.message;
  const colon = text.indexOf(': ');
  return colon >= 0 ? text.slice(colon + 2) : text;
}
