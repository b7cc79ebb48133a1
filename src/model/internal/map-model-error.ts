import {
  APICallError,
  InvalidResponseDataError,
  JSONParseError,
  NoContentGeneratedError,
  NoOutputGeneratedError,
  RetryError,
  TypeValidationError,
} from 'ai';
import { SystemError, WardenError } from '../../spec/index.ts';
import { ModelCallError } from '../model-call-error.ts';

/** Who was called, for messages and hints. */
export interface CallContext {
  label: string;
  /** The environment variable holding the key, for a hint on 401/403. */
  keyVariable: string | undefined;
}

/**
 * Turns whatever the AI SDK threw into a Warden error: `ModelCallError` (`model-call-failed`) for a
 * vendor or network failure, `SystemError('model-reply-invalid')` for a reply that could not be read.
 * Warden errors (the scripted model's) pass through unchanged.
 */
export function mapModelError(error: unknown, context: CallContext): WardenError {
  if (error instanceof WardenError) return error;
  if (RetryError.isInstance(error)) return mapModelError(error.lastError, context);
  // A timeout of Warden's own (see timed-fetch) may arrive wrapped by the SDK.
  const timeout = causeOf(error, (cause) => cause instanceof ModelCallError);
  if (timeout instanceof ModelCallError) return timeout;
  if (isAbort(error)) {
    return new ModelCallError(`${context.label}: the call was aborted`, { isRetryable: false, cause: error });
  }
  const cut = causeOf(error, isConnectionCut);
  if (cut !== undefined) {
    return new ModelCallError(
      `${context.label}: the connection was cut before the reply ended: ${messageOf(cut)}`,
      {
        isRetryable: true,
        cause: error,
      },
    );
  }
  if (APICallError.isInstance(error)) return mapApiCallError(error, context);
  if (InvalidResponseDataError.isInstance(error) && /stream ended without/i.test(error.message)) {
    return new ModelCallError(`${context.label}: the stream ended before the reply was finished`, {
      isRetryable: true,
      cause: error,
    });
  }
  if (
    InvalidResponseDataError.isInstance(error) ||
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error) ||
    NoOutputGeneratedError.isInstance(error)
  ) {
    return replyInvalid(error, context);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelCallError(`${context.label}: ${message}`, { isRetryable: false, cause: error });
}

function mapApiCallError(error: APICallError, context: CallContext): WardenError {
  const status = error.statusCode;
  if (status === undefined) {
    return new ModelCallError(`${context.label}: cannot reach ${error.url}: ${error.message}`, {
      isRetryable: true,
      cause: error,
    });
  }
  if (status >= 200 && status < 300) return replyInvalid(error, context);
  // OpenAI answers an exhausted account with 429 too, but waiting will not fix billing.
  const outOfQuota = status === 429 && (error.responseBody ?? '').includes('insufficient_quota');
  const isRetryable = (status === 408 || status === 429 || status >= 500) && !outOfQuota;
  const unauthorised = status === 401 || status === 403;
  return new ModelCallError(`${context.label}: HTTP ${status}: ${error.message}`, {
    status,
    retryAfterMs: retryAfterMs(error.responseHeaders),
    isRetryable,
    cause: error,
    hint: outOfQuota
      ? "the vendor account is out of quota: check the account's plan and billing"
      : unauthorised && context.keyVariable
        ? `check the key in ${context.keyVariable}`
        : undefined,
  });
}

function replyInvalid(error: Error, context: CallContext): SystemError {
  return new SystemError(
    'model-reply-invalid',
    `${context.label}: the reply could not be read: ${error.message}`,
    {
      cause: error,
    },
  );
}

/** `error` or the first error of its `cause` chain that `matches`; `undefined` when none does. */
function causeOf(error: unknown, matches: (cause: unknown) => boolean): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (matches(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** A socket reset or closed mid-reply (undici's `terminated`, `other side closed`, ECONNRESET). */
function isConnectionCut(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    (error.name === 'TypeError' && error.message === 'terminated')
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * Milliseconds from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date);
 * `undefined` when neither is present or readable.
 */
export function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const milliseconds = Number.parseFloat(lower['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = lower['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && /^\s*[\d.]+\s*$/.test(value)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
