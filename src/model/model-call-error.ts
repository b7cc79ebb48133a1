import { SystemError } from '../spec/index.ts';

/** What a failed model call knows beyond its message. */
export interface ModelCallErrorOptions {
  /** The vendor's HTTP status; `undefined` when no response arrived (network failure, abort). */
  status?: number;
  /** How long the vendor asked us to wait before retrying (`retry-after-ms` or `retry-after`). */
  retryAfterMs?: number;
  isRetryable: boolean;
  cause?: unknown;
  hint?: string;
}

/**
 * A model vendor call that failed (`code` is `model-call-failed`). `isRetryable` is true for rate limits
 * (429), timeouts (408), server errors and overload (5xx) and network failures; other 4xx are not.
 */
export class ModelCallError extends SystemError {
  readonly status: number | undefined;
  /** `undefined` when the vendor gave no retry hint. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ModelCallErrorOptions) {
    super('model-call-failed', message, {
      cause: options.cause,
      isRetryable: options.isRetryable,
      hint: options.hint,
    });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
